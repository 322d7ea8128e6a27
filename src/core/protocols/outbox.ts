// A node's outputs between two ready() calls, shared by every protocol: durable records,
// messages, client replies and trace events, each in the order produced. drain() hands them
// over as one Ready (the host persists `persist` BEFORE sending `messages`, see types.ts)
// and starts empty ones.
import type { Role } from '../../shared/trace'
import type { ClientReply, NodeId, Outgoing, ProtocolEvent, Ready } from './types'

/** Empty outputs share one frozen array (most inputs produce only some kinds of output). */
const NONE = Object.freeze([]) as unknown as never[]

export class Outbox<Msg, Rec> {
  /** Records to append to durable storage before anything in `messages` is sent. */
  persist: Rec[] = []
  messages: Outgoing<Msg>[] = []
  replies: ClientReply[] = []
  events: ProtocolEvent[] = []

  /** The last state traced by state(): role, term, leader, commit index. */
  private shown: { role: Role; term: number; leader: NodeId | null; commitIndex: number } | null = null

  /** True when role, term, leader or commit index differ from the last state() (or there was none). */
  stateChanged(role: Role, term: number, leader: NodeId | null, commitIndex: number): boolean {
    const s = this.shown
    return !s || s.role !== role || s.term !== term || s.leader !== leader || s.commitIndex !== commitIndex
  }

  /** Trace the node's state. */
  state(role: Role, term: number, leader: NodeId | null, commitIndex: number, lastIndex: number): void {
    this.shown = { role, term, leader, commitIndex }
    this.events.push({ type: 'state', role, term, leader, commitIndex, lastIndex })
  }

  send(to: NodeId, msg: Msg): void {
    this.messages.push({ to, msg })
  }

  /**
   * Trace `entries` appended to the log at `index`: added to the previous event when that is
   * an append ending right before `index` (one event per contiguous batch), else a new event.
   */
  logAppend(index: number, entries: readonly { term: number; id: string }[]): void {
    const last = this.events.length ? this.events[this.events.length - 1] : undefined
    let ev: Array<{ term: number; id: string }>
    if (
      last !== undefined &&
      last.type === 'log' &&
      last.action === 'append' &&
      last.index + last.entries.length === index
    ) {
      ev = last.entries
    } else {
      ev = []
      this.events.push({ type: 'log', action: 'append', index, entries: ev })
    }
    for (const e of entries) ev.push({ term: e.term, id: e.id })
  }

  /**
   * Log compaction: everything produced since the last drain, with `base` replacing every
   * record persisted before (Ready.base). The records queued since the last drain are
   * dropped: the base, the node's whole durable state, already reflects them.
   */
  drainWithBase(base: Rec): Ready<Msg, Rec> {
    this.persist = []
    return { ...this.drain(), base }
  }

  /** Everything produced since the last drain, in order; the outbox is empty afterwards. */
  drain(): Ready<Msg, Rec> {
    const rd: Ready<Msg, Rec> = {
      persist: this.persist.length ? this.persist : NONE,
      messages: this.messages.length ? this.messages : NONE,
      replies: this.replies.length ? this.replies : NONE,
      events: this.events.length ? this.events : NONE,
    }
    if (this.persist.length) this.persist = []
    if (this.messages.length) this.messages = []
    if (this.replies.length) this.replies = []
    if (this.events.length) this.events = []
    return rd
  }
}
