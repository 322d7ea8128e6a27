// The Raft protocol factory: creates nodes, names and summarizes messages for the trace,
// and rewrites messages for Byzantine experiments.
import type { NodeId, ProtocolFactory } from '../types'
import type { Rng } from '../../rng'
import { RaftParamsSchema, type RaftParams } from './describe'
import { RaftNode } from './node'
import { checkRaftMsg } from './validate'
import type { RaftEntry, RaftMsg, RaftMutations, RaftRecord } from './types'

export { RaftNode, MAX_INFLIGHT, MAX_ADMIN_QUEUE } from './node'
export { RaftLog } from './log'
export { checkRaftMsg } from './validate'
export type { RaftEntry, RaftMsg, RaftMsgType, RaftMutations, RaftRecord } from './types'

export type RaftFactory = ProtocolFactory<RaftMsg, RaftRecord, RaftParams> & {
  readonly mutations: Readonly<RaftMutations>
}

/** Fill defaults and validate (a host may pass a partial params object). */
export function raftParams(input: unknown): RaftParams {
  const r = RaftParamsSchema.safeParse(input ?? {})
  if (!r.success) {
    const why = r.error.issues.map((i) => `${i.path.join('.') || '(params)'}: ${i.message}`).join('; ')
    throw new Error(`invalid raft params: ${why}`)
  }
  return r.data
}

const SHORT: Record<RaftMsg['type'], string> = {
  PreVote: 'PV',
  PreVoteResp: 'PVR',
  RequestVote: 'RV',
  RequestVoteResp: 'RVR',
  AppendEntries: 'AE',
  AppendEntriesResp: 'AER',
  TimeoutNow: 'TN',
  InstallSnapshot: 'IS',
  InstallSnapshotResp: 'ISR',
}

export function describeRaftMsg(m: RaftMsg): string {
  const s = SHORT[m.type]
  switch (m.type) {
    case 'PreVote':
    case 'RequestVote':
      return `${s} t${m.term} last=${m.lastLogIndex}/${m.lastLogTerm}${m.type === 'RequestVote' && m.transfer ? ' transfer' : ''}`
    case 'PreVoteResp':
    case 'RequestVoteResp':
      return `${s} t${m.term} ${m.granted ? 'granted' : 'rejected'}`
    case 'AppendEntries':
      return `${s} t${m.term} prev=${m.prevIndex}/${m.prevTerm} n=${m.entries.length} commit=${m.commit}${m.ctx ? ` ctx=${m.ctx}` : ''}`
    case 'AppendEntriesResp':
      return m.success
        ? `${s} t${m.term} ok match=${m.index}`
        : `${s} t${m.term} reject prev=${m.index} hint=${m.conflictIndex}/${m.conflictTerm}`
    case 'TimeoutNow':
      return `${s} t${m.term}`
    case 'InstallSnapshot':
      return `${s} t${m.term} snap=${m.index}/${m.snapTerm} off=${m.offset} n=${m.data.length}${m.done ? ' done' : ''}`
    case 'InstallSnapshotResp':
      return m.done
        ? `${s} t${m.term} snap=${m.index} installed match=${m.match}`
        : `${s} t${m.term} snap=${m.index} next=${m.next}`
  }
}

function hashTo(to: NodeId): number {
  let h = 0
  for (let i = 0; i < to.length; i++) h = (Math.imul(h, 31) + to.charCodeAt(i)) | 0
  return h >>> 0
}

function equivocateEntry(e: RaftEntry, to: NodeId): RaftEntry {
  const c = e.cmd
  if (!c || c.f === 'get') return e
  return { term: e.term, id: e.id, cmd: { ...c, value: `${c.value}~${to}` } }
}

/**
 * Byzantine rewrites (Raft assumes crash faults only, so these break it: that is the lesson).
 * forge: bump the term and claim leadership / the best log / inflated progress and commit.
 * equivocate: tell each destination something different (commands, votes).
 */
export function corruptRaftMsg(m: RaftMsg, behavior: 'forge' | 'equivocate', to: NodeId, rng: Rng): RaftMsg {
  if (behavior === 'forge') {
    switch (m.type) {
      case 'PreVote':
      case 'RequestVote':
        return {
          ...m,
          term: m.term + 1,
          lastLogIndex: m.lastLogIndex + 1000,
          lastLogTerm: m.lastLogTerm + 1000,
        }
      case 'PreVoteResp':
      case 'RequestVoteResp':
        return { ...m, granted: true }
      case 'AppendEntries':
        return { ...m, term: m.term + 1, commit: m.prevIndex + m.entries.length + rng.int(1, 10) }
      case 'AppendEntriesResp':
        return { ...m, success: true, index: m.index + 1000, conflictIndex: 0, conflictTerm: 0 }
      case 'TimeoutNow':
      case 'InstallSnapshot':
        return { ...m, term: m.term + 1 }
      case 'InstallSnapshotResp':
        return { ...m, done: true, match: m.match + 1000 }
    }
  }
  switch (m.type) {
    case 'AppendEntries':
      return { ...m, entries: m.entries.map((e) => equivocateEntry(e, to)) }
    case 'PreVoteResp':
    case 'RequestVoteResp':
      // Vote for everyone who asks (double voting).
      return { ...m, granted: true }
    case 'PreVote':
    case 'RequestVote':
      // A different log claim per peer.
      return { ...m, lastLogTerm: m.lastLogTerm + (hashTo(to) % 3) }
    case 'AppendEntriesResp':
      return (hashTo(to) & 1) === 0 ? m : { ...m, success: !m.success }
    case 'InstallSnapshot':
      // A different snapshot index per peer.
      return { ...m, index: m.index + (hashTo(to) % 3) }
    case 'TimeoutNow':
    case 'InstallSnapshotResp':
      return m
  }
}

/** A Raft factory, optionally with deliberate bugs (for checker/fuzzer tests). */
export function createRaftFactory(mutations: RaftMutations = {}): RaftFactory {
  const muts: RaftMutations = { ...mutations }
  return {
    kind: 'raft',
    mutations: muts,
    create(opts) {
      return new RaftNode({ ...opts, params: raftParams(opts.params) }, muts)
    },
    messageType: (m) => m.type,
    describe: describeRaftMsg,
    corrupt: corruptRaftMsg,
    admin: ['membership', 'transfer-leadership'],
    validate: checkRaftMsg,
  }
}

export const raftFactory: RaftFactory = createRaftFactory()
