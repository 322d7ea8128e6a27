// The PBFT protocol factory: creates replicas, names and summarizes messages for the trace,
// validates decoded messages and applies Byzantine behaviours (see byzantine.ts).
import type { NodeId, ProtocolFactory } from '../types'
import type { Rng } from '../../rng'
import { PbftParamsSchema, type PbftParams } from './describe'
import { shortDigest } from './auth'
import { corruptPbftMsg } from './byzantine'
import { PbftNode } from './node'
import type { PbftMsg, PbftMutations, PbftRecord } from './types'
import { validatePbftMsg } from './validate'

export { PbftNode, type PbftRejected } from './node'
export { altRecipient } from './byzantine'
export { planNewView } from './viewchange'
export { requestDigest, linkKey, computeMac } from './auth'
export { validatePbftMsg } from './validate'
export { NULL_DIGEST } from './types'
export type { PbftMsg, PbftMsgType, PbftMutations, PbftRecord, PbftSnapshot, ViewChangeBody } from './types'

/** Names of the deliberate bugs (mutants) the fuzzer must catch. */
export const PBFT_MUTANTS: ReadonlyArray<keyof PbftMutations> = [
  'weakPrepare',
  'executeOutOfOrder',
  'forgetPrepared',
]

export type PbftFactory = ProtocolFactory<PbftMsg, PbftRecord, PbftParams> & {
  readonly mutations: Readonly<PbftMutations>
}

/** Fill defaults and validate (a host may pass a partial params object). */
export function pbftParams(input: unknown): PbftParams {
  const r = PbftParamsSchema.safeParse(input ?? {})
  if (!r.success) {
    const why = r.error.issues.map((i) => `${i.path.join('.') || '(params)'}: ${i.message}`).join('; ')
    throw new Error(`invalid pbft params: ${why}`)
  }
  return r.data
}

export function describePbftMsg(m: PbftMsg): string {
  switch (m.type) {
    case 'Request':
      return `req ${m.req.id} ${m.req.cmd.f} ${m.req.cmd.key}`
    case 'PrePrepare':
      return `v${m.view} #${m.seq} ${m.req ? m.req.id : 'null'} d=${shortDigest(m.digest)}`
    case 'Prepare':
    case 'Commit':
      return `v${m.view} #${m.seq} d=${shortDigest(m.digest)}`
    case 'Checkpoint':
      return `#${m.seq} state=${shortDigest(m.digest)}`
    case 'ViewChange':
      return `to v${m.view} stable=#${m.stable} prepared=${m.prepared.length}`
    case 'NewView':
      return `v${m.view} from ${m.vcs.length} view-changes`
    case 'FetchState':
      return `state at #${m.seq}?`
    case 'State':
      return `state #${m.seq} keys=${m.snap.data.length}`
  }
}

/** A PBFT factory, optionally with deliberate bugs (for checker and fuzzer tests). */
export function createPbftFactory(mutations: PbftMutations = {}): PbftFactory {
  const muts: PbftMutations = { ...mutations }
  // The run's seed, learned when a replica is created: a Byzantine replica uses it only to
  // derive the keys of its own links (corrupt() gets no CreateOptions).
  let runSeed = 0
  return {
    kind: 'pbft',
    mutations: muts,
    create(opts) {
      runSeed = opts.runSeed
      return new PbftNode({ ...opts, params: pbftParams(opts.params) }, muts)
    },
    messageType: (m) => m.type,
    describe: describePbftMsg,
    corrupt: (m: PbftMsg, behavior: 'forge' | 'equivocate', to: NodeId, rng: Rng) =>
      corruptPbftMsg(m, behavior, to, rng, runSeed),
    validate: validatePbftMsg,
  }
}

export const pbftFactory: PbftFactory = createPbftFactory()
