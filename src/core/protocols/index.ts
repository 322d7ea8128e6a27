// Registry of protocol implementations, by algorithm kind (the spec's `algorithm.kind`).
import type { ProtocolFactory } from './types'
import { raftFactory } from './raft'

export type AnyProtocolFactory = ProtocolFactory<unknown, unknown, unknown>

export const PROTOCOLS: Readonly<Record<string, AnyProtocolFactory>> = {
  raft: raftFactory as unknown as AnyProtocolFactory,
}

export function getProtocol(kind: string): AnyProtocolFactory {
  const f = Object.prototype.hasOwnProperty.call(PROTOCOLS, kind) ? PROTOCOLS[kind] : undefined
  if (!f) throw new Error(`unknown protocol "${kind}" (known: ${Object.keys(PROTOCOLS).join(', ')})`)
  return f
}

export { raftFactory, createRaftFactory } from './raft'
export type { RaftMsg, RaftRecord, RaftMutations, RaftEntry } from './raft'
export { KvStore } from './kv'
export type { KvResult } from './kv'
