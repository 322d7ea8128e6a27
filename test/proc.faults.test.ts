// Every fault kind shows its effect on real processes: one 3-node run, faults injected live
// one after another (injectFault, as the UI will), each checked in the trace / proxy stats.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LinkStats, ProcessRun } from '../src/main/lab/processes'
import type { DropEvent, DuplicateEvent, TraceEvent } from '../src/shared/trace'
import { ofKind, sleep, startRun, tempDir, until } from './proc.helpers'

const tmp = tempDir('ql-faults-')
let run: ProcessRun
let trace: TraceEvent[]
/** [fault id] -> run time (µs) window the fault was active. */
const windows = new Map<string, { from: number; to: number; id: number }>()
let isolateStats: { before: LinkStats; during: LinkStats } | null = null
let leaderBeforePause = ''
let termBeforePause = 0
let termBeforeForge = 0
let jumpTarget = ''

function leaderNow(r: ProcessRun): { id: string; term: number } | null {
  const l = r.nodes().find((n) => n.role === 'leader')
  return l ? { id: l.id, term: l.term } : null
}

async function during(
  name: string,
  fault: Parameters<ProcessRun['injectFault']>[0],
  ms: number,
  mid?: () => Promise<void>,
) {
  const from = run.nowMs() * 1000
  const id = run.injectFault(fault)
  if (mid) await mid()
  await sleep(ms)
  run.endFault(id)
  windows.set(name, { from, to: run.nowMs() * 1000, id })
  await sleep(300)
}

beforeAll(async () => {
  run = await startRun(
    {
      name: 'proc-faults',
      // Writeback every 5 s (the kernel's default interval): the crashed leader has written
      // since its last one, however busy the machine (at 1 s a starved node could have none).
      cluster: { nodes: 3, tickMs: 10, fsync: false, writebackMs: 5000 },
      durationMs: 60_000,
      seed: 3,
      workload: { clients: 3, ratePerSec: 150, keys: 5, timeoutMs: 1000 },
      // No jitter: without faults every link delivers in send order (reordering is the fault's doing).
      network: { latencyMs: 1, jitterMs: 0 },
    },
    { dataDir: tmp.dir },
  )
  await until(() => leaderNow(run) !== null, 'a leader')
  await sleep(500)
  const baseFrom = run.nowMs() * 1000
  await sleep(600)
  windows.set('baseline', { from: baseFrom, to: run.nowMs() * 1000, id: -1 })
  await during('reorder', { kind: 'reorder', atMs: 0, probability: 0.5 }, 600)

  await during('delay', { kind: 'delay', atMs: 0, latencyMs: 40, jitterMs: 5 }, 1000)
  await during('drop', { kind: 'drop', atMs: 0, probability: 0.5 }, 800)
  await during('duplicate', { kind: 'duplicate', atMs: 0, probability: 1 }, 500)

  await during('isolate', { kind: 'partition', atMs: 0, shape: 'isolate', target: 'n1' }, 1200, async () => {
    await sleep(200)
    const before = (await run.proxyStats())!
    await sleep(700)
    const after = (await run.proxyStats())!
    isolateStats = { before, during: after }
  })
  await until(() => leaderNow(run) !== null, 'a leader after the partition')
  await sleep(500)

  const l = leaderNow(run)!
  leaderBeforePause = l.id
  termBeforePause = l.term
  // Paused until another node leads in a newer term (a busy machine may take longer than the
  // 1.5 s this waited before), then a little longer.
  await during('pause', { kind: 'pause', atMs: 0, forMs: 60_000, target: 'leader' }, 500, () =>
    until(
      () => run.nodes().some((n) => n.role === 'leader' && n.id !== l.id && n.term > l.term),
      'another leader while the old one is paused',
      30_000,
    ),
  )
  await until(() => leaderNow(run) !== null, 'a leader after the pause')
  await sleep(500)

  jumpTarget = run.nodes().find((n) => n.role === 'follower')!.id
  await during('clock', { kind: 'clock', atMs: 0, target: jumpTarget as 'n1', rate: 3, jumpMs: 2000 }, 600)
  await until(() => leaderNow(run) !== null, 'a leader after the clock jump')

  await during('silent', { kind: 'byzantine', atMs: 0, target: 'n2', behavior: 'silent' }, 500)
  await until(() => leaderNow(run) !== null, 'a leader after silence')
  await sleep(300)

  termBeforeForge = Math.max(...run.nodes().map((n) => n.term))
  await during('forge', { kind: 'byzantine', atMs: 0, target: 'leader', behavior: 'forge' }, 500)
  await until(() => leaderNow(run) !== null, 'a leader after forging')
  await sleep(300)

  await during('crash', { kind: 'crash', atMs: 0, target: 'leader' }, 800)
  await until(() => run.nodes().every((n) => n.role !== 'down'), 'the restart')
  await sleep(1000)
  run.stop()
  await run.whenDone()
  trace = run.trace()
}, 150_000)

afterAll(() => tmp.cleanup())

const win = (name: string) => windows.get(name)!
const inWin = (name: string, t: number, slackUs = 0) => t >= win(name).from + slackUs && t <= win(name).to

describe('process-mode faults', () => {
  it('records every fault as start and end events', () => {
    const faults = ofKind.fault(trace)
    for (const [name, w] of windows) {
      if (w.id < 0) continue
      const s = faults.find((f) => f.faultId === w.id && f.phase === 'start')
      const e = faults.find((f) => f.faultId === w.id && f.phase === 'end')
      expect(s, `${name} start`).toBeDefined()
      expect(e, `${name} end`).toBeDefined()
    }
  })

  it('delay: every message sent during the fault took at least the added latency', () => {
    const sends = new Map(ofKind.send(trace).map((e) => [e.msgId, e]))
    const delays: number[] = []
    for (const d of ofKind.deliver(trace)) {
      const s = sends.get(d.msgId)
      if (s && inWin('delay', s.t, 20_000) && s.t < win('delay').to - 100_000) delays.push(d.t - s.t)
    }
    expect(delays.length).toBeGreaterThan(20)
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(35_000 - 1_000)
    // Before the fault messages were fast.
    const base: number[] = []
    for (const d of ofKind.deliver(trace)) {
      const s = sends.get(d.msgId)
      if (s && s.t < win('delay').from && s.t > win('delay').from - 400_000) base.push(d.t - s.t)
    }
    base.sort((a, b) => a - b)
    expect(base[Math.floor(base.length / 2)]).toBeLessThan(20_000)
  })

  it('reorder: messages on a link overtake each other (never without the fault)', () => {
    /** Deliveries (in time order) whose message was sent before one already delivered on the same link. */
    const inversions = (name: string): number => {
      const last = new Map<string, number>()
      let k = 0
      for (const d of ofKind.deliver(trace)) {
        if (!inWin(name, d.t, 30_000)) continue
        const link = `${d.from}->${d.to}`
        const prev = last.get(link) ?? -1
        if (d.msgId < prev) k++
        else last.set(link, d.msgId)
      }
      return k
    }
    expect(inversions('baseline')).toBe(0)
    expect(inversions('reorder')).toBeGreaterThan(3)
  })

  it('drop: messages are lost (reason loss) and others still arrive', () => {
    const drops = trace.filter(
      (e): e is DropEvent => e.kind === 'drop' && e.reason === 'loss' && inWin('drop', e.t),
    )
    const delivered = ofKind.deliver(trace).filter((e) => inWin('drop', e.t, 20_000))
    expect(drops.length).toBeGreaterThan(10)
    expect(delivered.length).toBeGreaterThan(10)
  })

  it('duplicate: messages arrive twice', () => {
    const dups = trace.filter((e): e is DuplicateEvent => e.kind === 'duplicate' && inWin('duplicate', e.t))
    expect(dups.length).toBeGreaterThan(10)
    const counts = new Map<number, number>()
    for (const d of ofKind.deliver(trace)) counts.set(d.msgId, (counts.get(d.msgId) ?? 0) + 1)
    expect(dups.filter((d) => counts.get(d.msgId) === 2).length).toBeGreaterThan(5)
  })

  it('partition: a cut link carries nothing (proxy stats and trace)', () => {
    const { before, during: after } = isolateStats!
    const n = before.n
    let cutForwarded = 0
    let otherForwarded = 0
    let cutDropped = 0
    for (let a = 0; a < n; a++)
      for (let b = 0; b < n; b++) {
        if (a === b) continue
        const i = a * n + b
        const fwd = after.forwarded[i] - before.forwarded[i]
        if (a === 0 || b === 0) {
          cutForwarded += fwd
          cutDropped += after.dropped[i] - before.dropped[i]
        } else otherForwarded += fwd
      }
    expect(cutForwarded).toBe(0)
    expect(cutDropped).toBeGreaterThan(0)
    expect(otherForwarded).toBeGreaterThan(0)
    const delivered = ofKind
      .deliver(trace)
      .filter((e) => inWin('isolate', e.t, 50_000) && (e.from === 'n1' || e.to === 'n1'))
    expect(delivered).toEqual([])
  })

  it('pause: the stopped leader misses heartbeats and another node is elected', () => {
    const w = win('pause')
    const pause = ofKind.node(trace).find((e) => e.action === 'pause' && e.t >= w.from)
    const resume = ofKind.node(trace).find((e) => e.action === 'resume' && e.t >= w.from)
    expect(pause!.node).toBe(leaderBeforePause)
    expect(resume!.node).toBe(leaderBeforePause)
    const elected = ofKind
      .state(trace)
      .find(
        (e) =>
          e.role === 'leader' &&
          e.term > termBeforePause &&
          e.node !== leaderBeforePause &&
          inWin('pause', e.t),
      )
    expect(elected).toBeDefined()
    // Nothing from the paused node while it was stopped.
    const fromPaused = ofKind
      .send(trace)
      .filter((e) => e.node === leaderBeforePause && e.t > pause!.t + 20_000 && e.t < resume!.t)
    expect(fromPaused).toEqual([])
  })

  it('clock jump: the node fires its election timer at once (it starts a pre-vote)', () => {
    const w = win('clock')
    const prevote = ofKind
      .send(trace)
      .find(
        (e) => e.node === jumpTarget && (e.type === 'PreVote' || e.type === 'RequestVote') && e.t >= w.from,
      )
    expect(prevote).toBeDefined()
    expect(prevote!.t - w.from).toBeLessThan(300_000)
  })

  it('byzantine silent: the proxy drops everything the node sends', () => {
    const drops = trace.filter(
      (e): e is DropEvent => e.kind === 'drop' && e.reason === 'byzantine' && inWin('silent', e.t),
    )
    expect(drops.length).toBeGreaterThan(0)
    expect(drops.every((d) => d.from === 'n2')).toBe(true)
    const delivered = ofKind.deliver(trace).filter((e) => e.from === 'n2' && inWin('silent', e.t, 50_000))
    expect(delivered).toEqual([])
  })

  it('byzantine forge: the node rewrites its messages (terms jump)', () => {
    const maxTerm = Math.max(
      ...ofKind
        .state(trace)
        .filter((e) => e.t > win('forge').from)
        .map((e) => e.term),
    )
    expect(maxTerm).toBeGreaterThan(termBeforeForge)
  })

  it('crash with fsync off: the restarted node lost its unsynced writes, and the run went on', () => {
    const w = win('crash')
    const end = ofKind.fault(trace).find((f) => f.faultId === w.id && f.phase === 'end')!
    expect(end.detail).toMatch(/restart n\d from durable state .*recovered \d+ WAL records/)
    expect(end.detail).toMatch(/lost \d+ unsynced records \(\d+ bytes, fsync off\)/)
    const okAfter = ofKind.op(trace).filter((o) => o.phase === 'ok' && o.t > end.t)
    expect(okAfter.length).toBeGreaterThan(0)
  })

  it('ends every process', () => {
    const pids = run.pids()
    for (const pid of [pids.proxy, ...pids.nodes])
      if (pid !== null) expect(() => process.kill(pid, 0)).toThrow()
  })
})
