// Maelstrom's broadcast workload: after init every node gets `topology` (its neighbours, from
// the `topology` option); clients send `broadcast {message}` (a unique integer, answered
// `broadcast_ok`) and `read` (answered `read_ok {messages}`); once faults healed, a final read
// on every node. The check: every acknowledged message is in every node's final read, and no
// read holds a message never broadcast. Figures: stable latency and messages per op. Pure.
import { quantileSorted } from '../../engine/stats'
import type { MaelstromOp, MaelstromWorkload, WorkloadContext, WorkloadFigure } from '../types'
import { nodeFor, uniqueValue } from './common'
import type { BroadcastOptions } from './options'
import { analyseSet, retainSet, SetIds, type SetShape } from './set-full'
import { computeTopology } from './topology'

export const BROADCAST_SHAPE: SetShape = {
  name: 'Every acknowledged broadcast reaches every node',
  addType: 'broadcast',
  elementField: 'message',
  readField: 'messages',
  addWord: 'broadcast',
}

export function createBroadcastWorkload(options: BroadcastOptions): MaelstromWorkload {
  const ids = new SetIds()
  return {
    kind: 'broadcast',
    setup: (ctx) => {
      const topology = computeTopology(options.topology, ctx.nodeIds, options.treeFanout)
      return ctx.nodeIds.map((node) => ({ node, body: { type: 'topology', topology } }))
    },
    request: (rng, ctx) => {
      const node = nodeFor(ctx, ctx.client)
      if (rng.chance(options.readShare)) return { node, body: { type: 'read' } }
      return {
        node,
        body: { type: 'broadcast', message: uniqueValue(options.clients, ctx.client, ctx.opIndex) },
      }
    },
    finalRequests: (ctx) => ctx.nodeIds.map((node) => ({ node, body: { type: 'read' } })),
    check: (ops, ctx) => {
      const { result, stableLatenciesUs } = analyseSet(ops, ctx, BROADCAST_SHAPE, ids)
      result.details.push(...figuresOf(ops, ctx, stableLatenciesUs).map(figureText))
      return [result]
    },
    figures: (ops, ctx) => broadcastFigures(ops, ctx, ids),
    retain: (op) => retainSet(op, BROADCAST_SHAPE, ids),
  }
}

/**
 * Stable latency quantiles (ms) and messages per op (null when the host counted no messages).
 * `ids`: the run's element ids, when its reads were kept compact (retainSet).
 */
export function broadcastFigures(
  ops: readonly MaelstromOp[],
  ctx: WorkloadContext,
  ids?: SetIds,
): WorkloadFigure[] {
  return figuresOf(ops, ctx, analyseSet(ops, ctx, BROADCAST_SHAPE, ids).stableLatenciesUs)
}

function figuresOf(
  ops: readonly MaelstromOp[],
  ctx: WorkloadContext,
  lat: readonly number[],
): WorkloadFigure[] {
  const none = lat.length === 0 ? 'no acknowledged broadcast was seen by a later read' : undefined
  const q = (name: string, p: number): WorkloadFigure => {
    const us = quantileSorted(lat, p)
    return { name, value: us === null ? null : us / 1000, unit: 'ms', ...(none ? { note: none } : {}) }
  }
  const clientOps = ops.filter((o) => o.request.type === 'broadcast' || o.request.type === 'read').length
  const perOp: WorkloadFigure =
    ctx.nodeMessages === undefined
      ? {
          name: 'messages per op',
          value: null,
          unit: 'msgs/op',
          note: 'the host did not count node-to-node messages',
        }
      : clientOps === 0
        ? { name: 'messages per op', value: null, unit: 'msgs/op', note: 'no client operation was sent' }
        : {
            name: 'messages per op',
            value: ctx.nodeMessages / clientOps,
            unit: 'msgs/op',
            note: `${ctx.nodeMessages} node-to-node messages / ${clientOps} client operations`,
          }
  return [
    q('stable latency p50', 0.5),
    q('stable latency p95', 0.95),
    q('stable latency p99', 0.99),
    q('stable latency max', 1),
    perOp,
  ]
}

function figureText(f: WorkloadFigure): string {
  const v = f.value === null ? 'not measured' : `${Math.round(f.value * 1000) / 1000} ${f.unit}`
  return `${f.name}: ${v}${f.note ? ` (${f.note})` : ''}`
}
