// A tiny builder for hand-built traces, shared by the checker tests: every event is 1 ms
// after the previous one; state events report the commit index the node's applies (or
// commitAt) reached.
import type { NodeId, OpFn, Role, TraceEvent } from '../src/shared/trace'

/** A tiny builder for traces; every event is 1 ms after the previous one. */
export class Trace {
  readonly events: TraceEvent[] = []
  /** Time of the last event, µs. */
  t = 0
  private readonly commit = new Map<NodeId, number>()
  private readonly last = new Map<NodeId, number>()

  private tick(): number {
    this.t += 1000
    return this.t
  }

  state(
    node: NodeId,
    role: Role,
    term: number,
    leader: NodeId | null = role === 'leader' ? node : null,
  ): this {
    this.events.push({
      kind: 'state',
      t: this.tick(),
      node,
      lc: 0,
      role,
      term,
      leader,
      commitIndex: this.commit.get(node) ?? 0,
      lastIndex: this.last.get(node) ?? 0,
    })
    return this
  }

  /** Append entries given as `term:id` strings at `index`. */
  append(node: NodeId, index: number, ...entries: string[]): this {
    const es = entries.map((s) => {
      const [term, id] = s.split(':')
      return { term: Number(term), id }
    })
    this.events.push({ kind: 'log', t: this.tick(), node, lc: 0, action: 'append', index, entries: es })
    this.last.set(node, index + es.length - 1)
    return this
  }

  truncate(node: NodeId, index: number): this {
    this.events.push({ kind: 'log', t: this.tick(), node, lc: 0, action: 'truncate', index, entries: [] })
    this.last.set(node, index - 1)
    return this
  }

  apply(node: NodeId, index: number, term: number, id: string): this {
    this.events.push({ kind: 'apply', t: this.tick(), node, lc: 0, index, term, id })
    this.commit.set(node, index)
    return this
  }

  /** Apply entries `term:id` from index `from` on. */
  applyAll(node: NodeId, from: number, ...entries: string[]): this {
    entries.forEach((s, k) => {
      const [term, id] = s.split(':')
      this.apply(node, from + k, Number(term), id)
    })
    return this
  }

  life(node: NodeId, action: 'crash' | 'restart' | 'pause' | 'resume'): this {
    this.events.push({ kind: 'node', t: this.tick(), node, lc: 0, action })
    return this
  }

  op(
    client: number,
    opId: string,
    phase: 'invoke' | 'ok' | 'fail' | 'info',
    f: OpFn,
    key: string,
    value: string | null,
    extra: { result?: boolean; expected?: string | null; node?: NodeId } = {},
  ): this {
    this.events.push({
      kind: 'op',
      t: this.tick(),
      node: extra.node ?? null,
      lc: 0,
      client,
      opId,
      phase,
      f,
      key,
      value,
      ...(extra.expected !== undefined ? { expected: extra.expected } : {}),
      ...(extra.result !== undefined ? { result: extra.result } : {}),
    })
    return this
  }

  /** Some message noise the checks must ignore. */
  noise(): this {
    this.events.push({
      kind: 'send',
      t: this.tick(),
      node: 'n1',
      lc: 0,
      msgId: this.events.length,
      from: 'n1',
      to: 'n2',
      type: 'AppendEntries',
      vc: [1, 0, 0],
      summary: '',
    })
    return this
  }

  /** Set the commit index the next state events of `node` report. */
  commitAt(node: NodeId, index: number): this {
    this.commit.set(node, index)
    return this
  }

  config(node: NodeId, index: number, voters: NodeId[], learners: NodeId[] = [], oldVoters?: NodeId[]): this {
    this.events.push({
      kind: 'config',
      t: this.tick(),
      node,
      lc: 0,
      index,
      voters,
      learners,
      ...(oldVoters ? { oldVoters } : {}),
    })
    return this
  }

  snapshot(node: NodeId, action: 'take' | 'install' | 'restore', index: number, term: number): this {
    this.events.push({ kind: 'snapshot', t: this.tick(), node, lc: 0, action, index, term })
    return this
  }

  /** Let `ms` of trace time pass. */
  wait(ms: number): this {
    this.t += ms * 1000
    return this
  }
}
