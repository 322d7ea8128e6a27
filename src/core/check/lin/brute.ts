// A brute-force reference checker for tiny histories (tests compare the real search with
// it): tries every order of every subset of the unknown-outcome writes. Exponential; only
// for a handful of operations.
import type { HistoryOp } from '../../../shared/history'
import type { LinMode } from './search'

export function bruteForceCheck(
  ops: readonly HistoryOp[],
  mode: LinMode = 'linearizable',
  initial: string | null = null,
): boolean {
  const keys = new Set(ops.map((o) => o.key))
  for (const key of keys) {
    const mine = ops
      .filter((o) => o.key === key && o.type !== 'fail' && !(o.type === 'info' && o.f === 'get'))
      .sort((p, q) => p.invoke - q.invoke)
    if (!bruteKey(mine, mode, initial)) return false
  }
  return true
}

function bruteKey(ops: readonly HistoryOp[], mode: LinMode, initial: string | null): boolean {
  const n = ops.length
  if (n > 12) throw new RangeError('bruteForceCheck: too many operations')
  const end = (o: HistoryOp): number => (o.type === 'info' ? Infinity : o.complete)
  // must[i]: ops that have to be placed before op i.
  const must: number[][] = ops.map((o, i) =>
    ops
      .map((p, j) => j)
      .filter((j) => {
        const p = ops[j]
        if (j === i || p.type !== 'ok') return false
        if (mode === 'linearizable') return end(p) < o.invoke
        return p.process === o.process && j < i
      }),
  )
  const placed = new Array<boolean>(n).fill(false)
  const okCount = ops.filter((o) => o.type === 'ok').length
  const dfs = (state: string | null, done: number): boolean => {
    if (done === okCount) return true
    for (let i = 0; i < n; i++) {
      if (placed[i] || !must[i].every((j) => placed[j])) continue
      const o = ops[i]
      let next: string | null = state
      if (o.f === 'get') {
        if ((o.value ?? null) !== state) continue
      } else if (o.f === 'put') next = o.value ?? null
      else if (o.f === 'append') next = (state ?? '') + (o.value ?? '')
      else {
        const match = (o.expected ?? null) === state
        if (o.type === 'ok' && o.result === false) {
          if (match) continue
        } else {
          if (!match) continue
          next = o.value ?? null
        }
      }
      placed[i] = true
      const ok = dfs(next, done + (o.type === 'ok' ? 1 : 0))
      placed[i] = false
      if (ok) return true
    }
    return false
  }
  return dfs(initial, 0)
}
