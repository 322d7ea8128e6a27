// The example programs in examples/programs/ speak Maelstrom's protocol: each runs as a child
// process and this test plays the lab's part over its stdin/stdout with a short scripted
// exchange (init, topology, requests, gossip; seq-kv answered by the pure SeqKvService). The
// full runs (processes, TCP, proxy, faults) are the host's tests.
import { afterEach, describe, expect, it } from 'vitest'
import { SeqKvService } from '../src/core/maelstrom/services'
import type { MaelstromMessage } from '../src/core/maelstrom/types'
import { createRng } from '../src/core/rng'
import { startProgram, stopAll, type Program } from './maelstrom.programs'

const rng = createRng(14)
afterEach(stopAll)

describe('examples/programs/broadcast-gossip.js', () => {
  const launch = () => startProgram([process.execPath, 'examples/programs/broadcast-gossip.js'])
  const gossipTo = (dest: string, value: number) => (m: MaelstromMessage) =>
    m.dest === dest && m.body.type === 'gossip' && (m.body.messages as number[]).includes(value)

  it('answers init, topology, broadcast and read, and gossips to its neighbour until acknowledged', async () => {
    const p = launch()
    expect(await p.call('n1', { type: 'init', node_id: 'n1', node_ids: ['n1', 'n2', 'n3'] })).toEqual({
      type: 'init_ok',
      in_reply_to: 1,
    })
    const topo = { n1: ['n2'], n2: ['n1', 'n3'], n3: ['n2'] }
    expect((await p.call('n1', { type: 'topology', topology: topo })).type).toBe('topology_ok')
    expect((await p.call('n1', { type: 'broadcast', message: 7 })).type).toBe('broadcast_ok')
    const first = await p.next(gossipTo('n2', 7), 'gossip of 7 to n2')
    expect(first.src).toBe('n1')
    // Not acknowledged: sent again (a new msg_id), until n2 answers.
    const again = await p.next(gossipTo('n2', 7), 'a retried gossip of 7 to n2')
    expect(again.body.msg_id).not.toBe(first.body.msg_id)
    p.send('n2', 'n1', { type: 'gossip_ok', messages: [7] })
    expect(await p.call('n1', { type: 'read' })).toMatchObject({ type: 'read_ok', messages: [7] })
    // Gossip from a neighbour is acknowledged and kept; n3 is no neighbour of n1, so it gets nothing.
    const g = p.send('n2', 'n1', { type: 'gossip', messages: [8, 7] })
    expect((await p.reply(g, 'n2')).body).toMatchObject({ type: 'gossip_ok', messages: [8, 7] })
    const read = await p.call('n1', { type: 'read' })
    expect([...(read.messages as number[])].sort()).toEqual([7, 8])
    expect(await p.call('n1', { type: 'frob' })).toMatchObject({ type: 'error', code: 10 })
    expect(p.stderr.join('')).toContain('neighbours ["n2"]')
  })

  it('a restarted node asks the others for everything (sync), and a node answers a sync with all it holds', async () => {
    const p = launch()
    await p.call('n1', { type: 'init', node_id: 'n1', node_ids: ['n1', 'n2'] })
    const sync = await p.next((m) => m.dest === 'n2' && m.body.type === 'sync', 'a sync to n2')
    p.answer('n2', 'n1', { type: 'sync_ok', in_reply_to: sync.body.msg_id })
    await p.call('n1', { type: 'broadcast', message: 1 })
    const s = p.send('n2', 'n1', { type: 'sync' })
    expect((await p.reply(s, 'n2')).body.type).toBe('sync_ok')
    await p.next(gossipTo('n2', 1), 'gossip of everything to the syncing node')
  })
})

describe('examples/programs/g_counter_seq_kv.py', () => {
  it('adds through seq-kv under its own key, reads the sum of every node key, and keeps its count across a restart', async () => {
    const seqKv = new SeqKvService()
    const launch = async (): Promise<Program> => {
      const p = startProgram(['python3', 'examples/programs/g_counter_seq_kv.py'], (msg, from) => {
        if (msg.dest !== 'seq-kv') return false
        from.deliver({ src: 'seq-kv', dest: msg.src, body: seqKv.handle(msg.src, msg.body, rng) })
        return true
      })
      expect((await p.call('n1', { type: 'init', node_id: 'n1', node_ids: ['n1', 'n2'] })).type).toBe(
        'init_ok',
      )
      return p
    }
    const p = await launch()
    expect(await p.call('n1', { type: 'read' })).toMatchObject({ type: 'read_ok', value: 0 })
    expect((await p.call('n1', { type: 'add', delta: 3 })).type).toBe('add_ok')
    expect((await p.call('n1', { type: 'add', delta: 4 })).type).toBe('add_ok')
    expect(await p.call('n1', { type: 'read' })).toMatchObject({ type: 'read_ok', value: 7 })
    // n2's count, as n2 would have stored it: the read sums both keys.
    seqKv.handle('n2', { type: 'write', key: 'counter-n2', value: [5, 1] }, rng)
    expect(await p.call('n1', { type: 'read' })).toMatchObject({ value: 12 })
    expect(await p.call('n1', { type: 'add', delta: 'x' })).toMatchObject({ type: 'error', code: 12 })
    await p.stop()
    const q = await launch()
    expect((await q.call('n1', { type: 'add', delta: 1 })).type).toBe('add_ok')
    expect(await q.call('n1', { type: 'read' })).toMatchObject({ value: 13 })
    expect(seqKv.handle('n1', { type: 'read', key: 'counter-n1' }, rng)).toMatchObject({ value: [8, 3] })
  })
})
