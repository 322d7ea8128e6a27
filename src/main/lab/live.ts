// What the live view needs beyond node states, built from a run's trace stream (the same
// events in both modes): the faults active now with the links they affect, and a bounded
// random sample of the messages sent since the previous progress event (for animation).
import type { ActiveFault, LinkEffect, MessageSample } from '../../shared/api'
import type { FaultEvent, NodeId, TraceEvent } from '../../shared/trace'

/** Most messages one progress event carries. */
export const MESSAGE_SAMPLE_MAX = 50

type Link = ActiveFault['links'][number]

function pairs(
  ids: readonly NodeId[],
  a: readonly NodeId[],
  b: readonly NodeId[],
  effect: LinkEffect,
): Link[] {
  const out: Link[] = []
  for (const x of a)
    for (const y of b) {
      if (x !== y && ids.includes(x) && ids.includes(y)) out.push({ from: x, to: y, effect })
    }
  return out
}

function both(links: Link[]): Link[] {
  return [...links, ...links.map((l) => ({ from: l.to, to: l.from, effect: l.effect }))]
}

/** `{n1,n2}` groups in a fault detail, in order. */
function groups(detail: string): NodeId[][] {
  return [...detail.matchAll(/\{([^}]*)\}/g)].map((m) => m[1].split(',').filter((s) => s.length > 0))
}

/** The two ends of `link n1 <-> n2` in a fault detail (a one-link fault), or null. */
function linkEnds(ids: readonly NodeId[], detail: string): [NodeId, NodeId] | null {
  const m = /\blink (n\d+) <-> (n\d+)\b/.exec(detail)
  if (!m || m[1] === m[2] || !ids.includes(m[1]) || !ids.includes(m[2])) return null
  return [m[1], m[2]]
}

/**
 * The directed links a fault affects, from its start event (kind, targets, detail). The
 * detail is the one line both engines write (partition shapes: see core/sim/partition);
 * a one-link fault (partition link, delay / drop with a peer) says `link n1 <-> n2`.
 */
export function faultLinks(ids: readonly NodeId[], e: FaultEvent): Link[] {
  const others = (xs: readonly NodeId[]): NodeId[] => ids.filter((x) => !xs.includes(x))
  const d = e.detail
  switch (e.fault) {
    case 'partition': {
      if (d.startsWith('partition link')) {
        const l = linkEnds(ids, d)
        return l ? both([{ from: l[0], to: l[1], effect: 'cut' }]) : []
      }
      if (d.startsWith('partition isolate')) return both(pairs(ids, e.targets, others(e.targets), 'cut'))
      if (d.startsWith('partition one-way')) return pairs(ids, e.targets, others(e.targets), 'cut')
      if (d.startsWith('partition halves') || d.startsWith('partition bridge')) {
        const g = groups(d)
        if (g.length >= 2) return both(pairs(ids, g[0], g[1], 'cut'))
        return both(pairs(ids, e.targets, others(e.targets), 'cut'))
      }
      if (d.startsWith('partition majorities-ring')) {
        const m = /majorities-ring (\S+) .*?sees itself and (\d+) neighbour/.exec(d)
        if (!m) return []
        const ring = m[1].split('-')
        const k = Number(m[2])
        const n = ring.length
        const out: Link[] = []
        ring.forEach((a, i) =>
          ring.forEach((b, j) => {
            const dist = Math.abs(i - j)
            if (a !== b && Math.min(dist, n - dist) > k) out.push({ from: a, to: b, effect: 'cut' })
          }),
        )
        return out
      }
      return []
    }
    case 'delay':
    case 'reorder':
    case 'drop':
    case 'duplicate': {
      const effect: LinkEffect = e.fault === 'drop' || e.fault === 'duplicate' ? 'lossy' : 'slow'
      const l = linkEnds(ids, d)
      if (l) return both([{ from: l[0], to: l[1], effect }])
      // No targets: every link.
      if (e.targets.length === 0) return pairs(ids, ids, ids, effect)
      const t = e.targets
      return [...pairs(ids, t, ids, effect), ...pairs(ids, others(t), t, effect)]
    }
    case 'byzantine':
      return / slow/.test(d) ? pairs(ids, e.targets, ids, 'slow') : []
    default:
      return []
  }
}

export class LiveTracker {
  private readonly active = new Map<number, ActiveFault>()
  private readonly liveIdx = new Set<number>()
  private sample: MessageSample[] = []
  private byMsg = new Map<number, MessageSample>()
  /** Message id held in each sample slot. */
  private slotMsg: number[] = []
  private sent = 0
  /** Every message sent in the run so far, by type. */
  readonly sentByType = new Map<string, number>()

  constructor(
    private readonly ids: readonly NodeId[],
    /** Random in [0, 1) for sampling (tests may inject one). */
    private readonly random: () => number = Math.random,
  ) {}

  /** Mark a fault index as injected live (before or after its start event arrives). */
  markLive(index: number): void {
    this.liveIdx.add(index)
    const f = this.active.get(index)
    if (f) f.live = true
  }

  onTrace(e: TraceEvent): void {
    switch (e.kind) {
      case 'send': {
        this.sent++
        this.sentByType.set(e.type, (this.sentByType.get(e.type) ?? 0) + 1)
        const s: MessageSample = {
          from: e.from,
          to: e.to,
          type: e.type,
          sentMs: e.t / 1000,
          deliveredMs: null,
          dropped: false,
        }
        // Reservoir sampling: every send since the last take is equally likely to be kept.
        if (this.sample.length < MESSAGE_SAMPLE_MAX) this.keep(this.sample.length, e.msgId, s)
        else {
          const j = Math.floor(this.random() * this.sent)
          if (j < MESSAGE_SAMPLE_MAX) this.keep(j, e.msgId, s)
        }
        return
      }
      case 'deliver': {
        const s = this.byMsg.get(e.msgId)
        if (s && s.deliveredMs === null) s.deliveredMs = e.t / 1000
        return
      }
      case 'drop': {
        const s = this.byMsg.get(e.msgId)
        if (s) s.dropped = true
        return
      }
      case 'fault':
        if (e.phase === 'start') {
          this.active.set(e.faultId, {
            index: e.faultId,
            kind: e.fault,
            startMs: e.t / 1000,
            description: e.detail,
            targets: e.targets,
            links: faultLinks(this.ids, e),
            live: this.liveIdx.has(e.faultId),
          })
        } else this.active.delete(e.faultId)
        return
      default:
        return
    }
  }

  private keep(slot: number, msgId: number, s: MessageSample): void {
    if (slot < this.slotMsg.length) this.byMsg.delete(this.slotMsg[slot])
    this.slotMsg[slot] = msgId
    this.sample[slot] = s
    this.byMsg.set(msgId, s)
  }

  /** The fault with this index if it is active. */
  fault(index: number): ActiveFault | undefined {
    return this.active.get(index)
  }

  faults(): ActiveFault[] {
    return [...this.active.values()].sort((a, b) => a.index - b.index)
  }

  /** The sample since the previous call (in send order) and how many messages were sent. */
  takeMessages(): { messages: MessageSample[]; sent: number } {
    const messages = this.sample.slice().sort((a, b) => a.sentMs - b.sentMs)
    const sent = this.sent
    this.sample = []
    this.byMsg = new Map()
    this.slotMsg = []
    this.sent = 0
    return { messages, sent }
  }
}
