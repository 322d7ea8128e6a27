// Histories with a known answer, for tests and benchmarks: clients run operations with
// random, overlapping intervals against one linearizable register per key; each op takes
// effect at a random instant inside its interval, and the results are what that
// execution returns. The history is therefore linearizable by construction.
import type { HistoryFn, HistoryOp } from '../../../shared/history'
import { createRng } from '../../rng'

export interface GenerateOptions {
  ops: number
  clients: number
  keys: number
  seed: number
  /** Fraction of ops whose outcome is unknown (info); half of those took effect. Default 0.01. */
  infoRate?: number
  /** Fraction of ops that failed (no effect). Default 0.01. */
  failRate?: number
  /** Operation mix (weights). Default get 0.5, put 0.3, cas 0.2, append 0. */
  mix?: { get: number; put: number; cas: number; append?: number }
  /** Max think time between a client's ops, µs (default 2000). */
  maxGapUs?: number
  /** Op latency range, µs (default 100..5000). */
  latencyUs?: [number, number]
}

interface Planned {
  op: HistoryOp
  at: number
  applies: boolean
}

export function generateHistory(o: GenerateOptions): HistoryOp[] {
  const rng = createRng(o.seed)
  const infoRate = o.infoRate ?? 0.01
  const failRate = o.failRate ?? 0.01
  const mix = o.mix ?? { get: 0.5, put: 0.3, cas: 0.2 }
  const total = mix.get + mix.put + mix.cas + (mix.append ?? 0)
  const maxGap = o.maxGapUs ?? 2000
  const [minLat, maxLat] = o.latencyUs ?? [100, 5000]
  const free = Array.from({ length: o.clients }, () => rng.int(0, maxGap))
  const seq = new Array<number>(o.clients).fill(0)
  const lastWritten = new Map<string, string | null>()
  const planned: Planned[] = []
  for (let i = 0; i < o.ops; i++) {
    // The client that is free first goes next.
    let c = 0
    for (let j = 1; j < o.clients; j++) if (free[j] < free[c]) c = j
    const invoke = free[c] + rng.int(0, maxGap)
    const complete = invoke + rng.int(minLat, maxLat)
    const at = invoke + rng.next() * (complete - invoke)
    free[c] = complete
    const key = `k${rng.int(0, o.keys - 1)}`
    const r = rng.next() * total
    const f: HistoryFn =
      r < mix.get ? 'get' : r < mix.get + mix.put ? 'put' : r < mix.get + mix.put + mix.cas ? 'cas' : 'append'
    const op: HistoryOp = {
      id: `c${c}.${seq[c]}`,
      process: c,
      f,
      key,
      invoke,
      complete,
      type: 'ok',
      value: null,
    }
    // Appends add a string unique to the op (as Porcupine's tests do: "x <client> <seq> y").
    if (f === 'append') op.value = `x ${c} ${seq[c]} y`
    else if (f !== 'get') op.value = `c${c}.${seq[c]}`
    if (f === 'cas')
      op.expected = rng.chance(0.7) ? (lastWritten.get(key) ?? null) : `c${rng.int(0, o.clients - 1)}.0`
    if (f === 'put' || f === 'cas') lastWritten.set(key, op.value)
    seq[c]++
    let applies = true
    const u = rng.next()
    if (u < failRate) {
      op.type = 'fail'
      applies = false
    } else if (u < failRate + infoRate) {
      op.type = 'info'
      op.complete = Infinity
      applies = rng.chance(0.5)
    }
    planned.push({ op, at, applies })
  }
  // Execute in effect order to fill in what each op returned.
  const reg = new Map<string, string | null>()
  const order = planned.filter((p) => p.applies).sort((p, q) => p.at - q.at)
  for (const { op } of order) {
    const cur = reg.get(op.key) ?? null
    if (op.f === 'get') op.value = cur
    else if (op.f === 'put') reg.set(op.key, op.value)
    else if (op.f === 'append') reg.set(op.key, (cur ?? '') + (op.value ?? ''))
    else {
      const matched = cur === (op.expected ?? null)
      if (op.type === 'ok') op.result = matched
      if (matched) reg.set(op.key, op.value)
    }
  }
  return planned.map((p) => p.op).sort((p, q) => p.invoke - q.invoke)
}
