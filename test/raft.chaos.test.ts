// Randomized runs (seeded): message loss, duplication and reordering, partitions, crash-restart
// from persisted records. Afterwards the Figure 3 properties must hold: election safety (§5.2),
// log matching (§5.3), leader completeness (§5.4), state machine safety (§5.4.3), and every
// acknowledged write is in the final log; a healed cluster converges.
import { describe, expect, it } from 'vitest'
import { Cluster } from './raft.harness'
import { createRng, type Rng } from '../src/core/rng'
import type { RaftMutations } from '../src/core/protocols/raft/types'
import type { KvCommand } from '../src/core/protocols/types'

function logMatchingViolations(c: Cluster): string[] {
  const out: string[] = []
  const live = c.live()
  for (let a = 0; a < live.length; a++) {
    for (let b = a + 1; b < live.length; b++) {
      const la = live[a].log.all()
      const lb = live[b].log.all()
      const n = Math.min(la.length, lb.length)
      // find the highest index with equal terms; everything before must be identical
      for (let i = n - 1; i >= 0; i--) {
        if (la[i].term !== lb[i].term) continue
        for (let j = 0; j <= i; j++) {
          if (la[j].term !== lb[j].term || la[j].id !== lb[j].id) {
            out.push(`${live[a].id}/${live[b].id} agree at ${i + 1} but differ at ${j + 1}`)
            break
          }
        }
        break
      }
    }
  }
  return out
}

function runChaos(seed: number, mutations: RaftMutations = {}, steps = 6000) {
  const rng: Rng = createRng(seed)
  const c = new Cluster(5, { seed, mutations, params: { maxBatch: 1 + (seed % 4) } })
  let op = 0
  let hint = 'n1'
  const acked = new Set<string>()
  const down = new Set<string>()
  for (let s = 0; s < steps; s++) {
    const r = rng.next()
    if (r < 0.45 && c.queue.length) {
      // deliver a random queued message (reordering), sometimes drop or duplicate it
      const k = rng.int(0, c.queue.length - 1)
      const [e] = c.queue.splice(k, 1)
      if (rng.chance(0.05)) continue
      if (rng.chance(0.03)) c.queue.push(e)
      if (!c.deliverable(e)) continue
      c.node(e.to).step(e.from, e.msg)
      c.drain(e.to)
    } else if (r < 0.75) {
      const id = c.ids[rng.int(0, c.ids.length - 1)]
      if (!down.has(id)) {
        c.node(id).tick()
        c.drain(id)
      }
    } else if (r < 0.9) {
      const target = down.has(hint) ? c.ids[rng.int(0, 4)] : hint
      if (down.has(target)) continue
      op++
      const key = `k${rng.int(0, 2)}`
      const f = rng.next()
      const cmd: KvCommand =
        f < 0.4
          ? { f: 'get', key }
          : f < 0.8
            ? { f: 'put', key, value: `v${op}` }
            : { f: 'cas', key, expected: `v${op - 1}`, value: `v${op}` }
      c.propose(target, `c${op % 5}.${op}`, cmd, false)
      const rep = c.replies[c.replies.length - 1]?.reply
      if (rep && rep.id === `c${op % 5}.${op}` && !rep.ok && rep.error === 'not_leader')
        hint = rep.leaderHint ?? c.ids[rng.int(0, 4)]
    } else if (r < 0.91) {
      const id = c.ids[rng.int(0, 4)]
      if (down.has(id)) {
        c.restart(id)
        down.delete(id)
      } else if (down.size < 2) {
        c.crash(id)
        down.add(id)
      }
    } else if (r < 0.92) {
      c.isolate(c.ids[rng.int(0, 4)])
    } else if (r < 0.93) {
      c.cut(c.ids[rng.int(0, 4)], c.ids[rng.int(0, 4)])
    } else if (r < 0.945) {
      c.heal()
    }
  }
  for (const { reply } of c.replies) if (reply.ok && reply.f !== 'get') acked.add(reply.id)
  // heal everything and let it converge
  c.heal()
  for (const id of down) c.restart(id)
  c.queue.length = 0
  const l = c.elect(3000)
  c.propose(l.id, 'final.1', { f: 'put', key: 'final', value: 'x' })
  c.tick(10)
  return { c, acked, leader: c.leader(), op }
}

describe('randomized runs (Figure 3 properties)', () => {
  for (let seed = 1; seed <= 12; seed++) {
    it(`seed ${seed}`, () => {
      const { c, acked, leader, op } = runChaos(seed)
      expect(op).toBeGreaterThan(500)
      expect(c.electionViolations()).toEqual([])
      expect(c.stateMachineViolations()).toEqual([])
      expect(logMatchingViolations(c)).toEqual([])
      // leader completeness: every entry applied anywhere is in the final leader's log at that index
      const finalLog = c.logOf(leader.id)
      for (const id of c.ids)
        for (const a of c.applied(id)) expect(finalLog[a.index - 1]).toBe(`${a.index}:${a.term}:${a.id}`)
      // every acknowledged write survived
      const ids = new Set(leader.log.all().map((e) => e.id))
      for (const w of acked) expect(ids.has(w)).toBe(true)
      // convergence
      for (const n of c.live()) {
        expect(c.logOf(n.id)).toEqual(finalLog)
        expect(n.status().commitIndex).toBe(finalLog.length)
        expect(n.kv.entries().sort()).toEqual(leader.kv.entries().sort())
      }
      expect(acked.size).toBeGreaterThan(0)
    })
  }
})
