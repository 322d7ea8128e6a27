// The clients of a program's run (src/core/maelstrom/clients.ts) driven through a fake host:
// requests go out to nodes, the test answers them as a program would, and the ops and the
// workload's verdict come out as the lab records them.
import { describe, expect, it } from 'vitest'
import { RunMeter } from '../src/core/engine/meter'
import { TIMER_ARRIVE, TIMER_FINAL } from '../src/core/engine/host'
import { MaelstromClients, type MaelstromHost } from '../src/core/maelstrom/clients'
import type { MaelstromBody, MaelstromMessage } from '../src/core/maelstrom/types'
import { workloadFromSpec } from '../src/core/maelstrom/workloads'
import { createRng } from '../src/core/rng'
import { ExperimentSpecSchema } from '../src/shared/spec'
import type { TraceEvent } from '../src/shared/trace'

interface Timer {
  kind: number
  a: number
  b: number
  atUs: number
}

/** A fake host: a clock the test moves, timers kept in a list, requests kept for the test to answer. */
function harness(workload: Record<string, unknown>) {
  const spec = ExperimentSpecSchema.parse({
    name: 'clients',
    algorithm: { kind: 'program', params: { command: ['true'] } },
    mode: 'processes',
    cluster: { nodes: 3 },
    durationMs: 10_000,
    workload: { clients: 1, ratePerSec: 10, ...workload },
  })
  let now = 0
  const timers: Timer[] = []
  const sent: Array<{ node: number; msg: MaelstromMessage }> = []
  const events: TraceEvent[] = []
  const host: MaelstromHost = {
    ids: ['n1', 'n2', 'n3'],
    nowUs: () => now,
    timer: (kind, a, b, atUs) => void timers.push({ kind, a, b, atUs }),
    emit: (e) => void events.push(e),
    log: () => {},
    call: (node, msg) => {
      sent.push({ node, msg })
      return true
    },
  }
  const clients = new MaelstromClients(
    spec,
    host,
    new RunMeter(),
    createRng(7),
    workloadFromSpec(spec.workload),
  )
  clients.start()
  /** Run due timers up to `t` (arrivals and the final phase), in time order. */
  const advance = (t: number): void => {
    for (;;) {
      timers.sort((x, y) => x.atUs - y.atUs)
      const next = timers[0]
      if (next === undefined || next.atUs > t) break
      timers.shift()
      now = next.atUs
      if (next.kind === TIMER_ARRIVE) clients.onArrival(next.a, next.atUs)
      else if (next.kind === TIMER_FINAL) clients.onFinal(next.a)
    }
    now = t
  }
  /** Answer every request not answered yet with `reply(request)` from the node it went to. */
  let answered = 0
  const answer = (reply: (req: MaelstromBody) => MaelstromBody): void => {
    for (; answered < sent.length; answered++) {
      const { node, msg } = sent[answered]
      now += 100
      const body = { ...reply(msg.body), in_reply_to: msg.body.msg_id }
      expect(clients.onReply(node, { src: msg.dest, dest: msg.src, body })).toBeNull()
    }
  }
  return { clients, advance, answer, sent, events }
}

describe('Maelstrom clients', () => {
  it('a g-set read (no key) answered with error 20 fails like any definite error; only a KV read with a key reads the absent key', () => {
    const elements = new Set<unknown>()
    const h = harness({ kind: 'g-set' })
    let refusals = 0
    // Each read refused with code 20 (a program passing a service's key-does-not-exist back).
    const reply = (req: MaelstromBody): MaelstromBody => {
      if (req.type === 'add') {
        elements.add(req.element)
        return { type: 'add_ok' }
      }
      if (req.type === 'read' && refusals < 3) {
        refusals++
        return { type: 'error', code: 20, text: 'key does not exist' }
      }
      return { type: 'read_ok', value: [...elements] }
    }
    for (let t = 100_000; t <= 10_000_000; t += 100_000) {
      h.advance(t)
      h.answer(reply)
    }
    h.clients.finish('run ended')
    const refused = h.clients.history().filter((o) => o.reply?.type === 'error')
    expect(refused.length).toBe(3)
    for (const o of refused) expect(o.outcome).toBe('fail')
    const [check] = h.clients.check()
    expect(check.verdict, check.details.join('\n')).toBe('ok')
  })

  it('a lin-kv read answered with error 20 is an ok read of the absent key', () => {
    const h = harness({ kind: 'lin-kv' })
    h.advance(200_000)
    h.answer((req) =>
      req.type === 'read'
        ? { type: 'error', code: 20 }
        : req.type === 'cas'
          ? { type: 'error', code: 20 }
          : { type: 'write_ok' },
    )
    const reads = h.clients.history().filter((o) => o.request.type === 'read')
    expect(reads.length).toBeGreaterThan(0)
    for (const o of reads) expect(o.outcome).toBe('ok')
    const readEvents = h.events.filter((e) => e.kind === 'op' && e.f === 'get' && e.phase === 'ok')
    expect(readEvents.length).toBe(reads.length)
  })
})
