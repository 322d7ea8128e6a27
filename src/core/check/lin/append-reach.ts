// The dead-value rule for keys with appends. Between two writes that reset the register
// (put, successful cas) appends only add to the end of its value, so an op that must see
// value v (a get of v, a cas expecting v) can still do so from state s only if s is a
// prefix of v (absent counts as "", except that absent itself needs s absent), or some
// write not yet linearized leaves a prefix of v (in linearizable mode: one invoked before
// the op returned, as no later write can precede it). When neither holds the configuration is
// dead, whatever order the rest takes: wrong orders of concurrent appends are cut at once
// instead of at the next read's deadline.
import { CAS_OK, GET, INFO_CAS, INFO_PUT, PUT, writtenValue, type KeyHistory } from './model'

export class AppendReach {
  /** Writes that reset the register (whatever they need to hold first). */
  private readonly resets: number[] = []
  /** Per needed value id: the resets whose value is a prefix of it. */
  private readonly resetsFor = new Map<number, number[]>()
  /** Whether value s (key) is a prefix of value v: (s * 2^26 + v) -> answer. */
  private readonly prefix = new Map<number, boolean>()

  constructor(
    private readonly kh: KeyHistory,
    private readonly lin: Uint8Array,
    /** Linearizable mode: a write invoked after an op returned cannot precede it. */
    private readonly realTime: boolean,
  ) {
    for (let i = 0; i < kh.kind.length; i++) {
      const k = kh.kind[i]
      if (k === PUT || k === CAS_OK || k === INFO_PUT || k === INFO_CAS) this.resets.push(i)
    }
  }

  /** Whether op i is one that must see a value (ok get, successful cas). */
  isNeeder(i: number): boolean {
    const k = this.kh.kind[i]
    return k === GET || k === CAS_OK
  }

  /** Whether needer i (not yet linearized) may still see its value from state `s`. */
  canSee(s: number, i: number): boolean {
    const v = this.kh.a[i]
    if (v === s || this.isPrefix(s, v)) return true
    const by = this.realTime ? this.kh.complete[i] : Infinity
    for (const w of this.resetsOf(v)) if (!this.lin[w] && this.kh.invoke[w] <= by) return true
    return false
  }

  /** Whether value s can still grow into value v by appends (absent grows as ""; only absent is absent). */
  private isPrefix(s: number, v: number): boolean {
    const k = s * 0x4000000 + v
    let r = this.prefix.get(k)
    if (r === undefined) {
      const values = this.kh.values
      const target = values[v]
      const app = this.kh.appender
      const p = app ? app.parentOf(s) : -1
      const known = p >= 0 ? this.prefix.get(p * 0x4000000 + v) : undefined
      if (target === null) r = false
      // s is its parent followed by a suffix: only that suffix needs comparing.
      else if (known !== undefined && app)
        r = known && target.startsWith(values[app.suffixOf(s)] ?? '', (values[p] ?? '').length)
      else r = target.startsWith(values[s] ?? '')
      this.prefix.set(k, r)
    }
    return r
  }

  private resetsOf(v: number): number[] {
    let l = this.resetsFor.get(v)
    if (!l) {
      const values = this.kh.values
      const target = values[v]
      l = this.resets.filter((w) => {
        const wv = values[writtenValue(this.kh, w)]
        return target === null ? wv === null : target.startsWith(wv ?? '')
      })
      this.resetsFor.set(v, l)
    }
    return l
  }
}
