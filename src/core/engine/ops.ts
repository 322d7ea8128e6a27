// Client-op bookkeeping of the engine's clients (clients.ts): the command an op sends, its op
// trace events, what a reply means for it, and the node a client tries next. Pure: the
// caller owns the clock, the transport and the timers; randomness comes from the client's
// seeded Rng.
import type { ClientReply, KvCommand } from '../protocols/types'
import type { Rng } from '../rng'
import type { OpEvent, OpFn } from '../../shared/trace'

/** A client gives up on an op after this many not_leader replies (the op fails: not applied). */
export const MAX_ATTEMPTS = 10

/** What an op event needs to know of its op. */
export interface OpInfo {
  id: string
  f: OpFn
  key: string
  /** put / cas: the value written; get: null. */
  value: string | null
  /** cas: the expected value; otherwise null. */
  expected: string | null
}

/** A new op's command: put / cas write `value`; cas expects the last value the client saw for the key. */
export function opCommand(
  f: Exclude<OpFn, 'call'>,
  key: string,
  value: string,
  seen: ReadonlyMap<string, string | null>,
): { cmd: KvCommand; value: string | null; expected: string | null } {
  if (f === 'get') return { cmd: { f, key }, value: null, expected: null }
  if (f === 'put') return { cmd: { f, key, value }, value, expected: null }
  const expected = seen.get(key) ?? null
  return { cmd: { f, key, expected, value }, value, expected }
}

/** The op event of `op` for client `client` at `t`: its invoke (value = op.value) or a completion. */
export function opEvent(
  t: number,
  client: number,
  op: OpInfo,
  phase: OpEvent['phase'],
  value: string | null,
  result?: boolean,
  error?: string,
): OpEvent {
  const e: OpEvent = {
    kind: 'op',
    t,
    node: null,
    lc: 0,
    client,
    opId: op.id,
    phase,
    f: op.f,
    key: op.key,
    value,
  }
  if (op.f === 'cas') e.expected = op.expected
  if (result !== undefined) e.result = result
  if (error !== undefined) e.error = error
  return e
}

/**
 * An ok reply: records what the client now knows of the key in `seen` (the value read, or its
 * own write when it happened) and gives the completion's value and cas result.
 */
export function okOutcome(
  op: OpInfo,
  rep: ClientReply & { ok: true },
  seen: Map<string, string | null>,
): { value: string | null; result: boolean | undefined } {
  if (op.f === 'get') seen.set(op.key, rep.value)
  else if (op.f === 'put' || rep.result === true) seen.set(op.key, op.value)
  return {
    value: op.f === 'get' ? rep.value : op.value,
    result: op.f === 'cas' ? rep.result === true : undefined,
  }
}

/** What a client does after a refusal from node `from`. */
export type RefusalAction =
  { do: 'fail'; error: 'rejected' | 'not_leader' } | { do: 'send'; node: number } | { do: 'retry' }

/**
 * A refusal (ok: false) from the node the current attempt went to: 'rejected' fails the op;
 * after MAX_ATTEMPTS attempts it fails as not_leader; a usable leader hint (`hint`: its node
 * index, -1 for none or unknown) is tried at once; otherwise retry at another node later.
 */
export function refusalAction(
  rep: ClientReply & { ok: false },
  attempts: number,
  from: number,
  hint: number,
): RefusalAction {
  if (rep.error === 'rejected') return { do: 'fail', error: 'rejected' }
  if (attempts >= MAX_ATTEMPTS) return { do: 'fail', error: 'not_leader' }
  if (hint >= 0 && hint !== from) return { do: 'send', node: hint }
  return { do: 'retry' }
}

/** A node index in [0, n) other than `avoid` (any when avoid < 0), drawn from the client's rng. */
export function otherNode(rng: Rng, n: number, avoid: number): number {
  if (n <= 1) return 0
  const i = rng.int(0, n - 2)
  return i >= avoid && avoid >= 0 ? i + 1 : i
}

/** The value a timed-out op completes (info) with: unknown for reads, the written value otherwise. */
export function timeoutValue(op: OpInfo): string | null {
  return op.f === 'get' ? null : op.value
}

/**
 * The node a client tries after a timeout: another one than the node of the timed-out attempt
 * (`attemptNode`, or `leader` while waiting to retry): that one may be down or cut off.
 */
export function nodeAfterTimeout(rng: Rng, n: number, attemptNode: number, leader: number): number {
  return otherNode(rng, n, attemptNode >= 0 ? attemptNode : leader)
}
