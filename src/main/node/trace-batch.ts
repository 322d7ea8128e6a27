// Trace events on their way from the proxy and the node hosts to the lab (the IPC channel), in
// columns. Message events (send, deliver: nearly all of a busy run's trace) travel as typed
// arrays and string tables; every other event travels as itself. V8's serializer copies a
// typed array in one piece, where an object costs a property at a time on both sides: the lab
// decoded a batch of send events about 5x faster this way, and senders encode it about 2x
// faster (bench: the program-broadcast run). The decoded events are built by one literal each,
// with the same fields in the same order as the events that were encoded (the recorder stores
// their JSON, so the order matters).
//
// A batch comes from our own child processes, but it still crosses a process boundary: the
// decoder checks every length and index and names what is wrong instead of trusting it.
import type { DeliverEvent, SendEvent, TraceEvent } from '../../shared/trace'

/** What an event is in a batch: REST travels as itself (in `rest`). */
const REST = 0
const SEND = 1
const DELIVER = 2

export interface TraceBatch {
  /** Per event, in order: REST, SEND or DELIVER. */
  kinds: Uint8Array
  /** Per message event (SEND and DELIVER), in order. */
  t: Float64Array
  lc: Float64Array
  msgId: Float64Array
  /** node, from and to of each message event: indexes into `names`. */
  ends: Uint16Array
  /** Each message event's type: an index into `names`. */
  types: Uint16Array
  /** Each message event's vector clock length; the clocks, one after another, in `vc`. */
  vcLen: Uint16Array
  vc: Float64Array
  /** Node ids and message types of this batch. */
  names: string[]
  /** Each send's summary, in order. */
  summaries: string[]
  /** The other events, in order. */
  rest: TraceEvent[]
}

const MAX_NAMES = 65_536

export function encodeTraceBatch(events: readonly TraceEvent[]): TraceBatch {
  let m = 0
  let vcTotal = 0
  for (let i = 0; i < events.length; i++) {
    const e = events[i]
    if (e.kind === 'send' || e.kind === 'deliver') {
      m++
      vcTotal += e.vc.length
    }
  }
  const b: TraceBatch = {
    kinds: new Uint8Array(events.length),
    t: new Float64Array(m),
    lc: new Float64Array(m),
    msgId: new Float64Array(m),
    ends: new Uint16Array(3 * m),
    types: new Uint16Array(m),
    vcLen: new Uint16Array(m),
    vc: new Float64Array(vcTotal),
    names: [],
    summaries: [],
    rest: [],
  }
  const index = new Map<string, number>()
  const name = (s: string): number => {
    let k = index.get(s)
    if (k === undefined) {
      k = b.names.length
      b.names.push(s)
      index.set(s, k)
    }
    return k
  }
  let j = 0
  let v = 0
  for (let i = 0; i < events.length; i++) {
    const e = events[i]
    if ((e.kind !== 'send' && e.kind !== 'deliver') || e.node === null || index.size >= MAX_NAMES - 4) {
      b.kinds[i] = REST
      b.rest.push(e)
      continue
    }
    b.kinds[i] = e.kind === 'send' ? SEND : DELIVER
    b.t[j] = e.t
    b.lc[j] = e.lc
    b.msgId[j] = e.msgId
    b.ends[3 * j] = name(e.node)
    b.ends[3 * j + 1] = name(e.from)
    b.ends[3 * j + 2] = name(e.to)
    b.types[j] = name(e.type)
    b.vcLen[j] = e.vc.length
    b.vc.set(e.vc, v)
    v += e.vc.length
    if (e.kind === 'send') b.summaries.push(e.summary)
    j++
  }
  if (j < m) {
    // Some message events went to `rest` (a full name table): trim the columns to what was used.
    b.t = b.t.slice(0, j)
    b.lc = b.lc.slice(0, j)
    b.msgId = b.msgId.slice(0, j)
    b.ends = b.ends.slice(0, 3 * j)
    b.types = b.types.slice(0, j)
    b.vcLen = b.vcLen.slice(0, j)
    b.vc = b.vc.slice(0, v)
  }
  return b
}

function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null
}

/** Why `b` is not a well-formed batch, or null. */
function batchProblem(b: unknown): string | null {
  if (!isObj(b)) return 'not an object'
  const typed: Array<[string, new (n: number) => ArrayBufferView]> = [
    ['kinds', Uint8Array],
    ['t', Float64Array],
    ['lc', Float64Array],
    ['msgId', Float64Array],
    ['ends', Uint16Array],
    ['types', Uint16Array],
    ['vcLen', Uint16Array],
    ['vc', Float64Array],
  ]
  for (const [k, T] of typed) if (!(b[k] instanceof T)) return `${k}: not a ${T.name}`
  for (const k of ['names', 'summaries', 'rest']) if (!Array.isArray(b[k])) return `${k}: not an array`
  const names = b.names as unknown[]
  for (let i = 0; i < names.length; i++) if (typeof names[i] !== 'string') return `names[${i}]: not a string`
  const summaries = b.summaries as unknown[]
  for (let i = 0; i < summaries.length; i++)
    if (typeof summaries[i] !== 'string') return `summaries[${i}]: not a string`
  const kinds = b.kinds as Uint8Array
  let m = 0
  let sends = 0
  let rest = 0
  for (let i = 0; i < kinds.length; i++) {
    const k = kinds[i]
    if (k === SEND) sends++
    else if (k === REST) rest++
    else if (k !== DELIVER) return `kinds[${i}]: ${k} is not an event kind (0, 1 or 2)`
    if (k !== REST) m++
  }
  for (const k of ['t', 'lc', 'msgId', 'types', 'vcLen'])
    if ((b[k] as Float64Array).length !== m)
      return `${k}: ${(b[k] as Float64Array).length} values for ${m} message events`
  const ends = b.ends as Uint16Array
  if (ends.length !== 3 * m) return `ends: ${ends.length} values for ${m} message events (3 each)`
  for (let i = 0; i < ends.length; i++) if (ends[i] >= names.length) return `ends[${i}]: no name ${ends[i]}`
  const types = b.types as Uint16Array
  for (let i = 0; i < m; i++) if (types[i] >= names.length) return `types[${i}]: no name ${types[i]}`
  const vcLen = b.vcLen as Uint16Array
  let vcTotal = 0
  for (let i = 0; i < m; i++) vcTotal += vcLen[i]
  if ((b.vc as Float64Array).length !== vcTotal)
    return `vc: ${(b.vc as Float64Array).length} values where the lengths add up to ${vcTotal}`
  if (summaries.length !== sends) return `summaries: ${summaries.length} for ${sends} send events`
  if ((b.rest as unknown[]).length !== rest) return `rest: ${(b.rest as unknown[]).length} events for ${rest}`
  return null
}

/** The events of a batch, in their order; or why the batch is malformed (nothing decoded). */
export function decodeTraceBatch(raw: unknown): TraceEvent[] | string {
  const bad = batchProblem(raw)
  if (bad !== null) return `malformed trace batch: ${bad}`
  const b = raw as TraceBatch
  const out = new Array<TraceEvent>(b.kinds.length)
  const { names, ends, types, vcLen } = b
  const vcAll = Array.from(b.vc)
  let j = 0
  let v = 0
  let s = 0
  let r = 0
  for (let i = 0; i < out.length; i++) {
    const k = b.kinds[i]
    if (k === REST) {
      out[i] = b.rest[r++]
      continue
    }
    const vc = vcAll.slice(v, v + vcLen[j])
    v += vcLen[j]
    // One literal for both kinds (fields in the order the encoder saw them); a send's summary last.
    const e = {
      kind: k === SEND ? 'send' : 'deliver',
      t: b.t[j],
      node: names[ends[3 * j]],
      lc: b.lc[j],
      msgId: b.msgId[j],
      from: names[ends[3 * j + 1]],
      to: names[ends[3 * j + 2]],
      type: names[types[j]],
      vc,
    } as DeliverEvent | SendEvent
    if (e.kind === 'send') e.summary = b.summaries[s++]
    out[i] = e
    j++
  }
  return out
}
