// The single-decree Paxos factory: creates nodes, names and summarizes messages for the
// trace, validates messages from sockets, and builds mutants for the checker tests.
import type { ProtocolFactory } from '../types'
import { PaxosParamsSchema, type PaxosParams } from './describe'
import { PaxosNode } from './node'
import { showBallot, type PaxosMsg, type PaxosMutations, type PaxosRecord, type PaxosValue } from './types'
import { checkPaxosMsg } from './validate'

export { PaxosNode } from './node'
export { checkPaxosMsg } from './validate'
export {
  BALLOT_SPAN,
  NOOP,
  NOOP_ID,
  PAXOS_MUTANTS,
  acceptanceId,
  ballotOf,
  ballotRound,
  parseAcceptanceId,
  showBallot,
} from './types'
export type { AcceptedValue, PaxosMsg, PaxosMsgType, PaxosMutations, PaxosRecord, PaxosValue } from './types'

export type PaxosFactory = ProtocolFactory<PaxosMsg, PaxosRecord, PaxosParams> & {
  readonly mutations: Readonly<PaxosMutations>
}

/** Fill defaults and validate (a host may pass a partial params object). */
export function paxosParams(input: unknown): PaxosParams {
  const r = PaxosParamsSchema.safeParse(input ?? {})
  if (!r.success) {
    const why = r.error.issues.map((i) => `${i.path.join('.') || '(params)'}: ${i.message}`).join('; ')
    throw new Error(`invalid paxos params: ${why}`)
  }
  return r.data
}

function showValue(v: PaxosValue): string {
  if (v.cmd === null) return 'noop'
  return `${v.id} ${v.cmd.f}`
}

/** One line: type, instance (key#slot), ballot (round.node) and what it carries. */
export function describePaxosMsg(m: PaxosMsg): string {
  const head = `${m.type} ${JSON.stringify(m.key)}#${m.slot} b=${showBallot(m.ballot)}`
  switch (m.type) {
    case 'Prepare':
    case 'Accepted':
      return head
    case 'Promise':
      return m.accepted === null
        ? `${head} none accepted`
        : `${head} accepted ${showValue(m.accepted.value)} @${showBallot(m.accepted.ballot)}`
    case 'Accept':
    case 'Decided':
      return `${head} ${showValue(m.value)}`
    case 'Nack':
      return `${head} promised=${showBallot(m.promised)}`
  }
}

/** A Paxos factory, optionally with deliberate bugs (for checker/fuzzer tests). */
export function createPaxosFactory(mutations: PaxosMutations = {}): PaxosFactory {
  const muts: PaxosMutations = { ...mutations }
  return {
    kind: 'paxos',
    mutations: muts,
    create(opts) {
      return new PaxosNode({ ...opts, params: paxosParams(opts.params) }, muts)
    },
    messageType: (m) => m.type,
    describe: describePaxosMsg,
    validate: checkPaxosMsg,
  }
}

export const paxosFactory: PaxosFactory = createPaxosFactory()
