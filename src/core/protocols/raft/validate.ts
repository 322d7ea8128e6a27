// Field-by-field check of a Raft message decoded from a socket (processes mode): null when it
// is a well-formed RaftMsg, else a reason naming the offending field. Pure.
import {
  boolField as bool,
  checkKvCommand,
  isNat,
  isObj,
  MAX_ID,
  natField as nat,
  show,
  strField as str,
} from '../fields'

/** Most nodes a configuration may name (a cluster has at most this many). */
const MAX_CONFIG_NODES = 64
/** Longest snapshot piece one message may carry (the params cap snapshotChunkBytes at 4 MiB). */
const MAX_PIECE = 4 * 1024 * 1024

function checkNodeList(v: unknown, path: string): string | null {
  if (!Array.isArray(v)) return `${path}: must be an array of node ids, got ${show(v)}`
  if (v.length > MAX_CONFIG_NODES) return `${path}: more than ${MAX_CONFIG_NODES} nodes`
  for (let i = 0; i < v.length; i++) {
    const n: unknown = v[i]
    if (typeof n !== 'string' || n.length === 0 || n.length > MAX_ID)
      return `${path}[${i}]: must be a node id, got ${show(n)}`
  }
  return null
}

/** A cluster configuration (voters, learners, old voters during joint consensus). */
export function checkClusterConfig(v: unknown, path: string): string | null {
  if (!isObj(v)) return `${path}: must be an object, got ${show(v)}`
  const bad =
    checkNodeList(v.voters, `${path}.voters`) ??
    checkNodeList(v.learners, `${path}.learners`) ??
    (v.oldVoters === undefined ? null : checkNodeList(v.oldVoters, `${path}.oldVoters`))
  if (bad) return bad
  if ((v.voters as unknown[]).length === 0) return `${path}.voters: must name at least one voter`
  return null
}

function checkRaftEntry(v: unknown, path: string): string | null {
  if (!isObj(v)) return `${path}: must be an object, got ${show(v)}`
  const p = `${path}.`
  const bad = nat(v, 'term', p) ?? str(v, 'id', p, MAX_ID)
  if (bad) return bad
  if (v.conf !== undefined) {
    if (v.cmd !== null) return `${p}cmd: must be null in a configuration entry`
    return checkClusterConfig(v.conf, `${p}conf`)
  }
  if (v.cmd === null) return null
  return checkKvCommand(v.cmd, `${p}cmd`)
}

/** Most entries one AppendEntries may carry (the spec caps maxBatch at 10000). */
const MAX_ENTRIES = 10_000

export function checkRaftMsg(m: unknown): string | null {
  if (!isObj(m)) return `message: must be an object, got ${show(m)}`
  const p = 'message.'
  switch (m.type) {
    case 'PreVote':
    case 'RequestVote': {
      const bad = nat(m, 'term', p) ?? nat(m, 'lastLogIndex', p) ?? nat(m, 'lastLogTerm', p)
      if (bad) return bad
      if (m.type === 'RequestVote' && m.transfer !== undefined && m.transfer !== true)
        return `${p}transfer: must be true when present, got ${show(m.transfer)}`
      return null
    }
    case 'PreVoteResp':
    case 'RequestVoteResp':
      return nat(m, 'term', p) ?? bool(m, 'granted', p)
    case 'AppendEntries': {
      const bad = nat(m, 'term', p) ?? nat(m, 'prevIndex', p) ?? nat(m, 'prevTerm', p) ?? nat(m, 'commit', p)
      if (bad) return bad
      if (!isNat(m.ctx)) return `${p}ctx: must be a whole number >= 0, got ${show(m.ctx)}`
      if (!Array.isArray(m.entries)) return `${p}entries: must be an array, got ${show(m.entries)}`
      if (m.entries.length > MAX_ENTRIES) return `${p}entries: more than ${MAX_ENTRIES} entries`
      for (let i = 0; i < m.entries.length; i++) {
        const e = checkRaftEntry(m.entries[i], `${p}entries[${i}]`)
        if (e) return e
      }
      return null
    }
    case 'AppendEntriesResp':
      return (
        nat(m, 'term', p) ??
        bool(m, 'success', p) ??
        nat(m, 'index', p) ??
        nat(m, 'conflictTerm', p) ??
        nat(m, 'conflictIndex', p) ??
        nat(m, 'ctx', p)
      )
    case 'TimeoutNow':
      return nat(m, 'term', p)
    case 'InstallSnapshot': {
      const bad =
        nat(m, 'term', p) ??
        nat(m, 'index', p) ??
        nat(m, 'snapTerm', p) ??
        nat(m, 'configIndex', p) ??
        nat(m, 'offset', p) ??
        str(m, 'data', p, MAX_PIECE) ??
        bool(m, 'done', p)
      if (bad) return bad
      if ((m.configIndex as number) > (m.index as number))
        return `${p}configIndex: must not be past the snapshot's index ${m.index as number}`
      return checkClusterConfig(m.config, `${p}config`)
    }
    case 'InstallSnapshotResp':
      return (
        nat(m, 'term', p) ??
        nat(m, 'index', p) ??
        nat(m, 'next', p) ??
        bool(m, 'done', p) ??
        nat(m, 'match', p)
      )
    default:
      return `${p}type: unknown Raft message type ${show(m.type)}`
  }
}
