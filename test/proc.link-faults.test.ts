// One-link faults on real processes: a 3-node run, the link between the leader and one
// follower cut live (partition shape 'link'), then slowed (delay with a peer). The proxy
// must drop that pair's frames, both ways, and only those; the other links keep forwarding.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LinkRule, LinkStats, ProcessRun } from '../src/main/lab/processes'
import type { TraceEvent } from '../src/shared/trace'
import { ofKind, sleep, startRun, tempDir, until } from './proc.helpers'

const tmp = tempDir('ql-link-faults-')
let run: ProcessRun
let trace: TraceEvent[]
/** The cut link's ends (node indexes) and the third node. */
let a = -1
let b = -1
let cutStats: { before: LinkStats; after: LinkStats } | null = null
let cutRules: LinkRule[] = []
let slowRules: LinkRule[] = []
const cutWindow = { from: 0, to: 0 }

beforeAll(async () => {
  run = await startRun(
    {
      name: 'proc-link-faults',
      cluster: { nodes: 3, tickMs: 10, fsync: false },
      durationMs: 60_000,
      seed: 5,
      workload: { clients: 2, ratePerSec: 100, keys: 5, timeoutMs: 1000 },
      network: { latencyMs: 1, jitterMs: 0 },
    },
    { dataDir: tmp.dir },
  )
  await until(() => run.nodes().some((n) => n.role === 'leader'), 'a leader')
  await sleep(500)
  // The leader talks to every follower, so its link to one of them carries traffic both ways.
  const leader = run.nodes().find((n) => n.role === 'leader')!.id
  const follower = run.nodes().find((n) => n.id !== leader)!.id
  a = Number(leader.slice(1)) - 1
  b = Number(follower.slice(1)) - 1

  const id = run.injectFault({ kind: 'partition', atMs: 0, shape: 'link', target: leader, peer: follower })
  cutRules = run.linkRules()
  cutWindow.from = run.nowMs() * 1000
  await sleep(200)
  const before = (await run.proxyStats())!
  await sleep(800)
  const after = (await run.proxyStats())!
  cutStats = { before, after }
  cutWindow.to = run.nowMs() * 1000
  run.endFault(id)
  await sleep(300)

  const slow = run.injectFault({
    kind: 'delay',
    atMs: 0,
    latencyMs: 50,
    jitterMs: 0,
    target: leader,
    peer: follower,
  })
  slowRules = run.linkRules()
  await sleep(300)
  run.endFault(slow)
  run.stop()
  await run.whenDone()
  trace = run.trace()
}, 60_000)

afterAll(() => tmp.cleanup())

const onPair = (x: number, y: number) => (x === a && y === b) || (x === b && y === a)

describe('one-link faults on real processes', () => {
  it('partition link: the proxy drops exactly that pair of directed links, the others forward', () => {
    const n = 3
    // The rule table: cut on a -> b and b -> a, nowhere else.
    const cut = cutRules.flatMap((r, i) => (r.cut ? [i] : []))
    expect(cut.sort()).toEqual([a * n + b, b * n + a].sort())
    const { before, after } = cutStats!
    for (let x = 0; x < n; x++)
      for (let y = 0; y < n; y++) {
        if (x === y) continue
        const i = x * n + y
        const fwd = after.forwarded[i] - before.forwarded[i]
        const dropped = after.dropped[i] - before.dropped[i]
        if (onPair(x, y)) {
          expect(fwd, `n${x + 1} -> n${y + 1} forwarded`).toBe(0)
          expect(dropped, `n${x + 1} -> n${y + 1} dropped`).toBeGreaterThan(0)
        } else expect(dropped, `n${x + 1} -> n${y + 1} dropped`).toBe(0)
      }
    // The third node still exchanges frames with at least one end of the cut link.
    const c = 3 - a - b
    const third = [a * n + c, c * n + a, b * n + c, c * n + b]
    expect(third.reduce((s, i) => s + after.forwarded[i] - before.forwarded[i], 0)).toBeGreaterThan(0)
  })

  it('the trace says which link, and nothing is delivered on it during the cut', () => {
    const name = (x: number) => `n${x + 1}`
    const starts = ofKind.fault(trace).filter((e) => e.phase === 'start')
    expect(starts[0].detail).toBe(`partition link ${name(a)} <-> ${name(b)}`)
    expect(starts[0].targets).toEqual([name(a), name(b)])
    expect(starts[1].detail).toBe(`delay +50±0 ms on link ${name(a)} <-> ${name(b)}`)
    const delivered = ofKind
      .deliver(trace)
      .filter(
        (e) =>
          e.t >= cutWindow.from + 100_000 &&
          e.t < cutWindow.to &&
          onPair(Number(e.from.slice(1)) - 1, Number(e.to.slice(1)) - 1),
      )
    expect(delivered).toEqual([])
  })

  it('delay with a peer: only that pair of directed links gets the extra latency', () => {
    const n = 3
    for (let x = 0; x < n; x++)
      for (let y = 0; y < n; y++) {
        if (x === y) continue
        expect(slowRules[x * n + y].latencyMs, `n${x + 1} -> n${y + 1}`).toBe(onPair(x, y) ? 51 : 1)
      }
  })
})
