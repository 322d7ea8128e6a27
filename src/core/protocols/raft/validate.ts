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

function checkRaftEntry(v: unknown, path: string): string | null {
  if (!isObj(v)) return `${path}: must be an object, got ${show(v)}`
  const p = `${path}.`
  const bad = nat(v, 'term', p) ?? str(v, 'id', p, MAX_ID)
  if (bad) return bad
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
    case 'RequestVote':
      return nat(m, 'term', p) ?? nat(m, 'lastLogIndex', p) ?? nat(m, 'lastLogTerm', p)
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
    default:
      return `${p}type: unknown Raft message type ${show(m.type)}`
  }
}
