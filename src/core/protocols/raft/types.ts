// Raft wire messages, durable records and test-only mutations.
import type { ClusterConfig, KvCommand, NodeId } from '../types'

/** The id of a configuration entry. */
export const CONFIG_ID = 'config'

/**
 * One log entry. `id` is the client request id, 'noop' for the leader's election no-op, or
 * 'config' for a configuration entry (thesis chapter 4), which carries the whole new
 * configuration in `conf`.
 */
export interface RaftEntry {
  term: number
  id: string
  /** null for the no-op and configuration entries. */
  cmd: KvCommand | null
  conf?: ClusterConfig
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
  /** `transfer`: sent on a TimeoutNow (thesis 3.10), so voters ignore their leader lease. */
  | { type: 'RequestVote'; term: number; lastLogIndex: number; lastLogTerm: number; transfer?: true }
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
  /** Leadership transfer (thesis 3.10): the leader tells a caught-up voter to start an election now. */
  | { type: 'TimeoutNow'; term: number }
  /**
   * A piece of the leader's snapshot (thesis 5.3) for a follower whose next entry was compacted
   * away: the state machine up to `index` (whose entry has `snapTerm`) serialized as text,
   * characters `offset`.. of it in `data`; `done` on the last piece. `config` is the
   * configuration at `index`, set by the entry at `configIndex`.
   */
  | {
      type: 'InstallSnapshot'
      term: number
      index: number
      snapTerm: number
      config: ClusterConfig
      configIndex: number
      offset: number
      data: string
      done: boolean
    }
  /**
   * Answer to a piece: `next` = characters of snapshot `index` received so far (where to go on);
   * once `done`, `match` is the follower's last index known to match the leader's log.
   */
  | { type: 'InstallSnapshotResp'; term: number; index: number; next: number; done: boolean; match: number }

export type RaftMsgType = RaftMsg['type']

/** Durable records (written by the host before sending messages), replayed in order on restart. */
export type RaftRecord =
  /** Term and vote changed. */
  | { t: 'hard'; term: number; votedFor: NodeId | null }
  /** Entries written at index, index+1, ... (anything at >= index before is replaced). */
  | { t: 'append'; index: number; entries: RaftEntry[] }
  /** Entries at >= index deleted. */
  | { t: 'truncate'; index: number }
  /**
   * Log compaction (Ready.base): the node's whole durable state in one record, replacing every
   * earlier one: term and vote, the snapshot (the serialized KV state up to `index`, whose
   * entry has `term`, and the configuration there) and the log entries after it.
   */
  | {
      t: 'snapshot'
      hardTerm: number
      votedFor: NodeId | null
      index: number
      term: number
      config: ClusterConfig
      configIndex: number
      data: string
      entries: RaftEntry[]
    }

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
  /**
   * The single-server bug Ongaro published in 2015: a new leader starts a configuration change
   * before it has committed an entry of its own term (thesis 4.1, the fix).
   */
  changeBeforeTermCommit?: boolean
  /** The leader starts a configuration change while the previous one is not committed yet (§4.1). */
  concurrentConfigChanges?: boolean
  /** Learners count in quorums (votes, commitment, check-quorum, ReadIndex) as if they were voters (§4.2.1). */
  learnerCountsAsVoter?: boolean
  /**
   * A follower installs any complete snapshot, even one older than what it has committed and
   * applied, throwing away newer entries (§5.3: it must keep them).
   */
  installStaleSnapshot?: boolean
}

/** The mutants the fuzz campaign must catch (each a RaftMutations flag). */
export const RAFT_MUTANTS: ReadonlyArray<keyof RaftMutations> = [
  'voteWithoutLogCheck',
  'commitOldTermByCounting',
  'forgetPersistVote',
  'noTruncateOnConflict',
  'changeBeforeTermCommit',
  'concurrentConfigChanges',
  'learnerCountsAsVoter',
  'installStaleSnapshot',
]
