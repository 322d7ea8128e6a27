// Registry of protocol implementations, by algorithm kind (the spec's `algorithm.kind`).
import type { ProtocolFactory } from './types'
import { raftFactory } from './raft'
import { paxosFactory } from './paxos'
import { multiPaxosFactory } from './multipaxos'
import { pbftFactory } from './pbft'
import { quorumFactory } from './quorum'

export type AnyProtocolFactory = ProtocolFactory<unknown, unknown, unknown>

export const PROTOCOLS: Readonly<Record<string, AnyProtocolFactory>> = {
  raft: raftFactory as unknown as AnyProtocolFactory,
  paxos: paxosFactory as unknown as AnyProtocolFactory,
  multipaxos: multiPaxosFactory as unknown as AnyProtocolFactory,
  pbft: pbftFactory as unknown as AnyProtocolFactory,
  quorum: quorumFactory as unknown as AnyProtocolFactory,
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
