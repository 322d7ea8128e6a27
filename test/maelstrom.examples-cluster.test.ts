// The example programs as a cluster, checked by their workloads: three processes of each,
// node-to-node messages routed through this test (a partition drops them), seq-kv answered by
// the pure service, a node crashed and restarted mid-run. The real processes-mode runs (TCP,
// the fault proxy) are the host's tests; this proves the programs and the checks fit.
import { afterEach, describe, expect, it } from 'vitest'
import { SeqKvService } from '../src/core/maelstrom/services'
import { createWorkload } from '../src/core/maelstrom/workloads'
import { ProgramCluster, stopAll } from './maelstrom.programs'

afterEach(stopAll)

const NODES = ['n1', 'n2', 'n3']

describe('example programs under a partition and a crash-restart', () => {
  it('broadcast-gossip.js on a line: every acknowledged message reaches every node once healed', async () => {
    const cluster = new ProgramCluster([process.execPath, 'examples/programs/broadcast-gossip.js'], NODES)
    await cluster.start()
    const w = createWorkload('broadcast', { topology: 'line', clients: 3 })
    const { ops, ctx } = await cluster.run(
      w,
      3,
      30,
      async (round) => {
        if (round === 8) cluster.partition([['n1'], ['n2', 'n3']])
        if (round === 12) await cluster.crash('n3')
        if (round === 16) await cluster.boot('n3')
        // Healed only once the clients stopped: only resending unacknowledged gossip can close the gap.
        if (round === 30) {
          // Let the gossip of the last requests hit the partition first.
          await new Promise((r) => setTimeout(r, 500))
          cluster.heal()
        }
      },
      2000,
    )
    const [r] = w.check(ops, ctx)
    expect(r.details).toContain(
      r.details.find((d) => d.startsWith('messages per op: ') && !d.includes('not measured')),
    )
    expect(r).toMatchObject({ verdict: 'ok' })
    // Some requests were in doubt while n3 was down, and n1 was cut off for a while.
    expect(ops.some((o) => o.outcome === 'info')).toBe(true)
  })

  it('g_counter_seq_kv.py: every node converges to the sum of the acknowledged adds', async () => {
    const cluster = new ProgramCluster(['python3', 'examples/programs/g_counter_seq_kv.py'], NODES, {
      'seq-kv': new SeqKvService(),
    })
    await cluster.start()
    const w = createWorkload('g-counter', { clients: 3 })
    const { ops, ctx } = await cluster.run(
      w,
      3,
      24,
      async (round) => {
        if (round === 6) cluster.partition([['n1'], ['n2', 'n3']])
        if (round === 10) await cluster.crash('n2')
        if (round === 14) await cluster.boot('n2')
        if (round === 18) cluster.heal()
      },
      200,
    )
    const [r] = w.check(ops, ctx)
    expect(r).toMatchObject({ verdict: 'ok' })
    expect(ops.filter((o) => o.request.type === 'add' && o.outcome === 'ok').length).toBeGreaterThan(10)
  })
})
