// The quorum store's protocol factory: creates nodes, names and summarizes messages for the
// trace, and validates messages decoded from sockets.
import type { ProtocolFactory } from '../types'
import { QuorumParamsSchema, type QuorumParams } from './describe'
import { QuorumNode } from './node'
import type { QuorumMsg, QuorumMutations, QuorumRecord, Version } from './types'
import { validateQuorumMsg } from './validate'

export { QuorumNode, readValue } from './node'
export { Ring, hash32, RANGES } from './ring'
export { QUORUM_MSG_TYPES, QUORUM_MUTANTS } from './types'
export type { QuorumMsg, QuorumMsgType, QuorumMutations, QuorumRecord, Version, VClock } from './types'
export { validateQuorumMsg } from './validate'

export type QuorumFactory = ProtocolFactory<QuorumMsg, QuorumRecord, QuorumParams> & {
  readonly mutations: Readonly<QuorumMutations>
}

/** Fill defaults and validate (a host may pass a partial params object). */
export function quorumParams(input: unknown): QuorumParams {
  const r = QuorumParamsSchema.safeParse(input ?? {})
  if (!r.success) {
    const why = r.error.issues.map((i) => `${i.path.join('.') || '(params)'}: ${i.message}`).join('; ')
    throw new Error(`invalid quorum params: ${why}`)
  }
  return r.data
}

function stamp(v: Version): string {
  return `${v.id}@${v.ts}.${v.node}`
}

export function describeQuorumMsg(m: QuorumMsg): string {
  switch (m.type) {
    case 'Get':
      return `Get ${m.key} (${m.rid})`
    case 'GetReply':
      return `GetReply ${m.key} [${m.versions.map(stamp).join(', ')}] (${m.rid})`
    case 'Put':
      return `Put ${m.key} ${stamp(m.version)}`
    case 'PutAck':
      return `PutAck ${m.key} ${m.id}`
    case 'ReadRepair':
      return `ReadRepair ${m.key} [${m.versions.map(stamp).join(', ')}]`
    case 'RepairAck':
      return `RepairAck ${m.key} (${m.rid})`
    case 'Hint':
      return `Hint ${m.key} ${stamp(m.version)} for ${m.owner}`
    case 'HintAck':
      return `HintAck ${m.key} ${m.id} for ${m.owner}`
    case 'Handoff':
      return `Handoff ${m.key} ${stamp(m.version)}`
    case 'HandoffAck':
      return `HandoffAck ${m.key} ${m.id}`
    case 'MerkleRoot':
      return `MerkleRoot round ${m.round} root ${m.root}`
    case 'MerkleDiff':
      return `MerkleDiff round ${m.round}`
    case 'SyncKeys':
      return `SyncKeys round ${m.round} ranges ${m.buckets.join(',')}: ${m.entries.length} key(s)${m.reply ? ', send yours' : ''}`
  }
}

/** A quorum-store factory, optionally with deliberate bugs (for checker / fuzzer tests). */
export function createQuorumFactory(mutations: QuorumMutations = {}): QuorumFactory {
  const muts: QuorumMutations = { ...mutations }
  return {
    kind: 'quorum',
    mutations: muts,
    create(opts) {
      return new QuorumNode({ ...opts, params: quorumParams(opts.params) }, muts)
    },
    messageType: (m) => m.type,
    describe: describeQuorumMsg,
    validate: validateQuorumMsg,
  }
}

export const quorumFactory: QuorumFactory = createQuorumFactory()
