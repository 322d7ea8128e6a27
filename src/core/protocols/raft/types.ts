// Raft wire messages, durable records and test-only mutations.
import type { KvCommand, NodeId } from '../types'

/** One log entry. `id` is the client request id, or 'noop' for the leader's election no-op. */
export interface RaftEntry {
  term: number
  id: string
  /** null for the no-op. */
  cmd: KvCommand | null
}

/**
 * Messages. The sender is the `from` of `step(from, msg)`, so it is not repeated here.
 * A heartbeat is an AppendEntries with no entries (prevIndex = the follower's known match);
 * `ctx` carries the leader's ReadIndex round number and is echoed in the response.
 */
export type RaftMsg =
  /** Pre-vote (thesis 9.6): "could I win an election for `term`?" (term = candidate's term + 1). */
  | { type: 'PreVote'; term: number; lastLogIndex: number; lastLogTerm: number }
  /** term = the proposed term when granted, the voter's term when rejected. */
  | { type: 'PreVoteResp'; term: number; granted: boolean }
  | { type: 'RequestVote'; term: number; lastLogIndex: number; lastLogTerm: number }
  | { type: 'RequestVoteResp'; term: number; granted: boolean }
  | {
      type: 'AppendEntries'
      term: number
      prevIndex: number
      prevTerm: number
      entries: RaftEntry[]
      commit: number
      ctx: number
    }
  | {
      type: 'AppendEntriesResp'
      term: number
      success: boolean
      /** success: last index known to match the leader; reject: the rejected prevIndex. */
      index: number
      /** reject only (fast backtracking): term at prevIndex (0 = log too short) ... */
      conflictTerm: number
      /** ... and the first index of that term (or lastIndex + 1 when too short). */
      conflictIndex: number
      ctx: number
    }

export type RaftMsgType = RaftMsg['type']

/** Durable records (written by the host before sending messages), replayed in order on restart. */
export type RaftRecord =
  /** Term and vote changed. */
  | { t: 'hard'; term: number; votedFor: NodeId | null }
  /** Entries written at index, index+1, ... (anything at >= index before is replaced). */
  | { t: 'append'; index: number; entries: RaftEntry[] }
  /** Entries at >= index deleted. */
  | { t: 'truncate'; index: number }

/** Deliberate bugs, each breaking one rule, for the checkers/fuzzer to catch. Not in the spec. */
export interface RaftMutations {
  /** Grant (pre-)votes without the up-to-date-log check (§5.4.1). */
  voteWithoutLogCheck?: boolean
  /** Commit any entry replicated on a majority, even from an older term (§5.4.2, Figure 8). */
  commitOldTermByCounting?: boolean
  /** The votedFor change never reaches durable storage: after a restart the node may vote twice in a term. */
  forgetPersistVote?: boolean
  /** A follower keeps its conflicting entries instead of truncating them, and still acks (§5.3). */
  noTruncateOnConflict?: boolean
}

/** The mutants the fuzz campaign must catch (each a RaftMutations flag). */
export const RAFT_MUTANTS: ReadonlyArray<keyof RaftMutations> = [
  'voteWithoutLogCheck',
  'commitOldTermByCounting',
  'forgetPersistVote',
  'noTruncateOnConflict',
]
