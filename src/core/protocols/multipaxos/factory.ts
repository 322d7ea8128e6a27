// The Multi-Paxos protocol factory: creates nodes, names and summarizes messages for the
// trace, and validates messages decoded from sockets. Multi-Paxos assumes crash faults
// only, so it has no Byzantine rewrites (forge / equivocate fall back to silent).
import type { ProtocolFactory } from '../types'
import { MultiPaxosParamsSchema, type MultiPaxosParams } from './describe'
import { MultiPaxosNode } from './node'
import { fmtBallot, type MpMsg, type MpRecord, type MultiPaxosMutations } from './types'
import { validateMpMsg } from './validate'

export { MultiPaxosNode, CATCHUP_MIN, MAX_AHEAD } from './node'
export { SlotLog, SlotNumbers } from './log'
export { validateMpMsg } from './validate'
export {
  BALLOT_NODES,
  CHECKPOINT_CHUNK,
  MULTIPAXOS_MUTANTS,
  ballotRound,
  fmtBallot,
  makeBallot,
} from './types'
export type { MpEntry, MpMsg, MpMsgType, MpRecord, MultiPaxosMutations, PromiseSlot } from './types'

export type MultiPaxosFactory = ProtocolFactory<MpMsg, MpRecord, MultiPaxosParams> & {
  readonly mutations: Readonly<MultiPaxosMutations>
}

/** Fill defaults and validate (a host may pass a partial params object). */
export function multiPaxosParams(input: unknown): MultiPaxosParams {
  const r = MultiPaxosParamsSchema.safeParse(input ?? {})
  if (!r.success) {
    const why = r.error.issues.map((i) => `${i.path.join('.') || '(params)'}: ${i.message}`).join('; ')
    throw new Error(`invalid multipaxos params: ${why}`)
  }
  return r.data
}

function range(slot: number, n: number): string {
  return n <= 1 ? `s${slot}${n === 0 ? ' (none)' : ''}` : `s${slot}..${slot + n - 1}`
}

/** One line per message, e.g. `Accept b3.n1 s7..9 commit=6`. */
export function describeMpMsg(m: MpMsg): string {
  const b = `b${fmtBallot(m.ballot)}`
  switch (m.type) {
    case 'Prepare':
      return `Prepare ${b} slots>${m.from}`
    case 'Promise': {
      const decided = m.slots.reduce((n, s) => n + (s.decided ? 1 : 0), 0)
      return `Promise ${b} slots>${m.from}: ${m.slots.length} accepted${decided ? ` (${decided} decided)` : ''}`
    }
    case 'Accept':
      return `Accept ${b} ${range(m.slot, m.entries.length)} commit=${m.commit}${
        m.entries.length === 1 ? ` ${m.entries[0].id}` : ''
      }`
    case 'Accepted':
      return `Accepted ${b} ${range(m.slot, m.count)}`
    case 'Nack':
      return `Nack ${b} promised=b${fmtBallot(m.promised)}`
    case 'Heartbeat':
      return `Heartbeat ${b} commit=${m.commit}`
    case 'HeartbeatAck':
      return `HeartbeatAck ${b} commit=${m.commit}${m.commit < m.leaderCommit ? ` behind ${m.leaderCommit}` : ''}`
    case 'CatchUp':
      return `CatchUp ${range(m.slot, m.entries.length)} decided`
    case 'Checkpoint':
      return `Checkpoint s${m.slot} off=${m.offset} n=${m.data.length}${m.done ? ' done' : ''}`
    case 'CheckpointAck':
      return m.done ? `CheckpointAck s${m.slot} installed` : `CheckpointAck s${m.slot} next=${m.next}`
  }
}

/** A Multi-Paxos factory, optionally with deliberate bugs (for checker/fuzzer tests). */
export function createMultiPaxosFactory(mutations: MultiPaxosMutations = {}): MultiPaxosFactory {
  const muts: MultiPaxosMutations = { ...mutations }
  return {
    kind: 'multipaxos',
    mutations: muts,
    create(opts) {
      return new MultiPaxosNode({ ...opts, params: multiPaxosParams(opts.params) }, muts)
    },
    messageType: (m) => m.type,
    describe: describeMpMsg,
    validate: validateMpMsg,
  }
}

export const multiPaxosFactory: MultiPaxosFactory = createMultiPaxosFactory()
