// A colour per message type, the same in every chart, the cluster ring and the space-time
// diagram, and distinct within each algorithm: a request and its reply share a hue (the
// request dark, the reply light), different pairs have different hues (Tableau 20, without
// its reds: red means failure and cuts here). Types an algorithm does not list take the
// colours it leaves free.

const HUES = {
  blue: ['#1f77b4', '#aec7e8'],
  orange: ['#ff7f0e', '#ffbb78'],
  green: ['#2ca02c', '#98df8a'],
  purple: ['#9467bd', '#c5b0d5'],
  brown: ['#8c564b', '#c49c94'],
  pink: ['#e377c2', '#f7b6d2'],
  grey: ['#7f7f7f', '#c7c7c7'],
  olive: ['#bcbd22', '#dbdb8d'],
  cyan: ['#17becf', '#9edae5'],
} as const
type Hue = keyof typeof HUES
/** A hue and 0 (dark: a request) or 1 (light: its reply). */
type Shade = [Hue, 0 | 1]

const BY_ALGORITHM: Record<string, Record<string, Shade>> = {
  raft: {
    AppendEntries: ['blue', 0],
    AppendEntriesResp: ['blue', 1],
    RequestVote: ['orange', 0],
    RequestVoteResp: ['orange', 1],
    PreVote: ['purple', 0],
    PreVoteResp: ['purple', 1],
    InstallSnapshot: ['cyan', 0],
    InstallSnapshotResp: ['cyan', 1],
    TimeoutNow: ['pink', 0],
  },
  paxos: {
    Prepare: ['blue', 0],
    Promise: ['blue', 1],
    Accept: ['green', 0],
    Accepted: ['green', 1],
    Nack: ['orange', 0],
    Decided: ['purple', 0],
  },
  multipaxos: {
    Prepare: ['blue', 0],
    Promise: ['blue', 1],
    Accept: ['green', 0],
    Accepted: ['green', 1],
    Nack: ['orange', 0],
    Heartbeat: ['purple', 0],
    HeartbeatAck: ['purple', 1],
    CatchUp: ['cyan', 0],
    Checkpoint: ['grey', 0],
    CheckpointAck: ['grey', 1],
  },
  pbft: {
    Request: ['blue', 0],
    PrePrepare: ['orange', 0],
    Prepare: ['green', 0],
    Commit: ['purple', 0],
    Checkpoint: ['grey', 0],
    ViewChange: ['pink', 0],
    NewView: ['brown', 0],
    FetchState: ['cyan', 0],
    State: ['cyan', 1],
  },
  quorum: {
    Get: ['blue', 0],
    GetReply: ['blue', 1],
    Put: ['green', 0],
    PutAck: ['green', 1],
    ReadRepair: ['orange', 0],
    RepairAck: ['orange', 1],
    Hint: ['purple', 0],
    HintAck: ['purple', 1],
    Handoff: ['brown', 0],
    HandoffAck: ['brown', 1],
    MerkleRoot: ['cyan', 0],
    MerkleDiff: ['olive', 0],
    SyncKeys: ['pink', 0],
  },
}

const ALL: readonly Shade[] = [0, 1].flatMap((s) => (Object.keys(HUES) as Hue[]).map((h) => [h, s] as Shade))
const extra = new Map<string, Map<string, Shade>>()

function shadeOf(kind: string, type: string): Shade {
  const known = BY_ALGORITHM[kind]?.[type]
  if (known) return known
  let mine = extra.get(kind)
  if (!mine) extra.set(kind, (mine = new Map()))
  let s = mine.get(type)
  if (!s) {
    const used = new Set([...Object.values(BY_ALGORITHM[kind] ?? {}), ...mine.values()].map((x) => x.join()))
    s = ALL.find((x) => !used.has(x.join())) ?? ALL[mine.size % ALL.length]
    mine.set(type, s)
  }
  return s
}

/** The colour of message type `type` of algorithm `kind`. */
export function messageTypeColor(kind: string, type: string): string {
  const [hue, shade] = shadeOf(kind, type)
  return HUES[hue][shade]
}
