// PBFT replicas on a one-thread simulated network (test/pbft.harness.ts). Section numbers
// refer to Castro & Liskov, "Practical Byzantine Fault Tolerance", OSDI 1999.
import { describe, expect, it } from 'vitest'
import { Cluster } from './pbft.harness'
import { computeMac, linkKey, requestDigest, type PbftMsg } from '../src/core/protocols/pbft'

const REQ = { id: 'c9.1', cmd: { f: 'put' as const, key: 'k', value: 'v' } }

function signedPrePrepare(seed: number): PbftMsg {
  const m: PbftMsg = {
    type: 'PrePrepare',
    from: 'n1',
    view: 0,
    seq: 1,
    digest: requestDigest(REQ),
    req: REQ,
    mac: '',
  }
  return { ...m, mac: computeMac(linkKey(seed, 'n1', 'n2'), m) }
}

function signedVote(type: 'Prepare' | 'Commit', from: string, seed: number): PbftMsg {
  const m: PbftMsg = { type, from, view: 0, seq: 1, digest: requestDigest(REQ), mac: '' }
  return { ...m, mac: computeMac(linkKey(seed, from, 'n2'), m) }
}

function putMany(c: Cluster, from: number, to: number, at: (i: number) => string): void {
  for (let i = from; i <= to; i++) c.put(at(i), `c1.${i}`, `k${i % 3}`, `v${i}`)
}

describe('normal case (§4.2)', () => {
  it('orders requests sent to any replica; every replica executes the same sequence', () => {
    const c = new Cluster(4)
    putMany(c, 1, 12, (i) => c.ids[i % 4])
    for (const id of c.ids)
      expect(c.executed(id).map(([s]) => s)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1))
    expect(c.disagreements(c.ids)).toEqual([])
    // The replica that got the request replies, after executing it.
    expect(c.replies.find((r) => r.reply.id === 'c1.3')?.node).toBe('n4')
    expect(c.reply('c1.12')).toMatchObject({ ok: true, f: 'put' })
    expect(c.node('n3').read('k0')).toBe('v12')
    expect(c.node('n1').status()).toMatchObject({ role: 'leader', term: 0, leader: 'n1', commitIndex: 12 })
    expect(c.node('n2').status()).toMatchObject({ role: 'follower', leader: 'n1' })
  })

  it('is idempotent by request id: a retry is answered from the first execution', () => {
    const c = new Cluster(4)
    c.put('n2', 'c1.1', 'k', 'a')
    c.put('n3', 'c1.1', 'k', 'a')
    c.propose('n1', 'c1.2', { f: 'cas', key: 'k', expected: 'a', value: 'b' })
    c.propose('n4', 'c1.2', { f: 'cas', key: 'k', expected: 'a', value: 'b' })
    expect(c.replies.filter((r) => r.reply.id === 'c1.2').map((r) => r.reply)).toEqual([
      { id: 'c1.2', ok: true, f: 'cas', value: null, result: true },
      { id: 'c1.2', ok: true, f: 'cas', value: null, result: true },
    ])
    expect(c.executed('n1').map(([, id]) => id)).toEqual(['c1.1', 'c1.2'])
  })

  it('needs 2f + 1 replicas: with two of four cut off nothing commits', () => {
    const c = new Cluster(4)
    c.isolate('n3')
    c.isolate('n4')
    c.put('n1', 'c1.1', 'k', 'v')
    expect(c.executed('n1')).toEqual([])
    c.heal()
    c.tick(40)
    expect(c.executed('n1').map(([, id]) => id)).toContain('c1.1')
  })
})

describe('view change (§4.4)', () => {
  it('replaces a silent primary: backups time out, the new primary re-orders the request', () => {
    const c = new Cluster(4)
    c.put('n1', 'c1.1', 'k', 'a')
    c.byz.set('n1', 'silent')
    c.put('n2', 'c1.2', 'k', 'b')
    expect(c.reply('c1.2')).toBeUndefined()
    c.tick(15)
    expect(c.node('n2').status()).toMatchObject({ role: 'leader', term: 1, leader: 'n2' })
    expect(c.node('n3').status()).toMatchObject({ role: 'follower', term: 1, leader: 'n2' })
    expect(c.reply('c1.2')).toMatchObject({ ok: true })
    expect(c.disagreements(['n2', 'n3', 'n4'])).toEqual([])
    expect(c.node('n4').read('k')).toBe('b')
  })

  it('keeps a request that committed at some replicas: it is re-proposed at the same seq', () => {
    const c = new Cluster(4)
    // n4 misses the Commits of seq 1, then the primary crashes.
    c.dropIf = (e) => e.to === 'n4' && e.msg.type === 'Commit'
    c.put('n2', 'c1.1', 'k', 'a')
    expect(c.executed('n2')).toEqual([[1, 'c1.1']])
    expect(c.executed('n4')).toEqual([])
    c.dropIf = null
    c.crash('n1')
    c.put('n4', 'c1.2', 'k', 'b')
    c.tick(20)
    expect(c.node('n4').status().term).toBeGreaterThanOrEqual(1)
    expect(c.executed('n4')).toEqual([
      [1, 'c1.1'],
      [2, 'c1.2'],
    ])
    expect(c.disagreements(['n2', 'n3', 'n4'])).toEqual([])
  })

  it('fills a gap with the null request', () => {
    const c = new Cluster(4)
    // seq 1 prepares nowhere (its PrePrepare reaches only n2), seq 2 prepares everywhere.
    c.dropIf = (e) => e.msg.type === 'PrePrepare' && e.msg.seq === 1 && e.to !== 'n2'
    c.put('n1', 'c1.1', 'k', 'a')
    c.dropIf = (e) => e.msg.type === 'Commit' || (e.msg.type === 'PrePrepare' && e.msg.seq === 1)
    c.put('n1', 'c1.2', 'k', 'b')
    c.dropIf = null
    c.crash('n1')
    c.put('n3', 'c1.3', 'k', 'c')
    c.tick(30)
    const ids = c.executed('n3').map(([s, id]) => `${s}:${id}`)
    expect(ids.slice(0, 2)).toEqual(['1:null', '2:c1.2'])
    expect(ids).toContain('3:c1.1')
    expect(c.disagreements(['n2', 'n3', 'n4'])).toEqual([])
  })
})

describe('Byzantine replicas (faulty <= f)', () => {
  it('an equivocating primary cannot make honest replicas disagree, and is replaced', () => {
    const c = new Cluster(4, { seed: 3 })
    c.byz.set('n1', 'equivocate')
    for (let i = 1; i <= 10; i++) c.put(c.ids[1 + (i % 3)], `c1.${i}`, 'k', `v${i}`)
    c.tick(80)
    expect(c.disagreements(['n2', 'n3', 'n4'])).toEqual([])
    // The null request got in at some seqs (equivocation), yet every client request executed.
    const ids = c.executed('n2').map(([, id]) => id)
    expect(ids).toContain('null')
    for (let i = 1; i <= 10; i++) expect(c.reply(`c1.${i}`)).toMatchObject({ ok: true })
    expect(c.node('n2').status().term).toBeGreaterThanOrEqual(1)
  })

  it('detects forged messages with the per-link MACs and drops them', () => {
    const c = new Cluster(4)
    c.byz.set('n3', 'forge')
    putMany(c, 1, 6, () => 'n2')
    expect(c.node('n1').rejected.auth).toBeGreaterThan(0)
    expect(c.node('n2').rejected.auth).toBeGreaterThan(0)
    // Forged messages were all dropped: the other three still make progress together.
    for (const id of ['n1', 'n2', 'n4']) expect(c.executed(id)).toHaveLength(6)
    expect(c.executed('n3')).toHaveLength(6)
  })

  it('with f + 1 colluding replicas (equivocating primary and backup) honest replicas diverge', () => {
    const c = new Cluster(4, { seed: 5 })
    c.byz.set('n1', 'equivocate')
    c.byz.set('n2', 'equivocate')
    for (let i = 1; i <= 12; i++) c.put('n3', `c1.${i}`, 'k', `v${i}`)
    c.tick(40)
    expect(c.disagreements(['n3', 'n4']).length).toBeGreaterThan(0)
  })
})

describe('checkpoints and water marks (§4.3)', () => {
  it('garbage-collects the log: it never holds more than the water-mark window', () => {
    const c = new Cluster(4, { params: { checkpointInterval: 8, watermarkWindow: 16 } })
    let maxLog = 0
    for (let i = 1; i <= 300; i++) {
      c.put(c.ids[i % 4], `c1.${i}`, `k${i % 5}`, `v${i}`)
      for (const id of c.ids) maxLog = Math.max(maxLog, c.node(id).logSize)
    }
    expect(maxLog).toBeLessThanOrEqual(16)
    for (const id of c.ids) {
      expect(c.node(id).lastExec).toBe(300)
      expect(c.node(id).low).toBe(296)
    }
    // Durable records after a restart start from the stable checkpoint.
    c.crash('n2')
    const n2 = c.restart('n2')
    expect(n2.lastExec).toBe(300)
    expect(n2.read('k0')).toBe('v300')
  })

  it('a replica that missed a stretch catches up by state transfer from a stable checkpoint', () => {
    const c = new Cluster(4, { params: { checkpointInterval: 4, watermarkWindow: 8 } })
    c.isolate('n4')
    for (let i = 1; i <= 20; i++) c.put('n1', `c1.${i}`, 'k', `v${i}`)
    expect(c.node('n4').lastExec).toBe(0)
    c.heal()
    for (let i = 21; i <= 28; i++) c.put('n1', `c1.${i}`, 'k', `v${i}`)
    expect(c.node('n4').lastExec).toBe(28)
    expect(c.node('n4').read('k')).toBe('v28')
    expect(c.delivered.some((e) => e.msg.type === 'State' && e.to === 'n4')).toBe(true)
  })
})

describe('crash recovery', () => {
  it('persists each binding and certificate in the same ready() as the message that depends on it', () => {
    const c = new Cluster(4)
    const n2 = c.node('n2')
    n2.step('n1', signedPrePrepare(c.seed))
    const rd = n2.ready()
    expect(rd.persist).toEqual([{ t: 'pp', view: 0, seq: 1, digest: requestDigest(REQ), req: REQ }])
    expect(rd.messages.map((m) => m.msg.type)).toEqual(['Prepare', 'Prepare', 'Prepare'])
    // Two more Prepares: prepared, so the certificate is persisted with the Commits.
    for (const from of ['n3', 'n4']) n2.step(from, signedVote('Prepare', from, c.seed))
    const rd2 = n2.ready()
    expect(rd2.persist.map((r) => r.t)).toEqual(['prepared'])
    expect(rd2.messages.map((m) => m.msg.type)).toEqual(['Commit', 'Commit', 'Commit'])
  })

  it('a restarted replica recovers view, bindings and executed state from its records', () => {
    const c = new Cluster(4)
    putMany(c, 1, 5, () => 'n2')
    c.crash('n1')
    c.put('n2', 'c1.6', 'k', 'x')
    c.tick(20)
    expect(c.node('n2').status().term).toBe(1)
    c.crash('n2')
    c.crash('n3')
    c.restart('n2')
    c.restart('n3')
    c.restart('n1')
    expect(c.node('n2').status()).toMatchObject({ term: 1, commitIndex: 6 })
    expect(c.node('n2').read('k')).toBe('x')
    c.put('n3', 'c1.7', 'k', 'y')
    c.tick(30)
    for (const id of c.ids) expect(c.node(id).read('k')).toBe('y')
    expect(c.disagreements(c.ids)).toEqual([])
  })
})
