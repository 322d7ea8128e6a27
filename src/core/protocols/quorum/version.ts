// Versions: vector clock arithmetic, the two conflict rules (last-writer-wins and siblings) and
// the text form of a version in the trace, which the convergence checker parses back.
import type { NodeId } from '../types'
import type { VClock, Version } from './types'

export type ConflictMode = 'lww' | 'siblings'

/** Node ids n1, n2, ... in numeric order (n10 after n9). */
export function compareNodes(a: NodeId, b: NodeId): number {
  const x = Number(a.slice(1))
  const y = Number(b.slice(1))
  return x !== y ? x - y : a < b ? -1 : a > b ? 1 : 0
}

/** a >= b entry by entry (a has seen everything b has). */
export function covers(a: VClock, b: VClock): boolean {
  for (const n in b) if ((a[n] ?? 0) < b[n]) return false
  return true
}

/** The entry-wise maximum of two clocks (a new object). */
export function joinClocks(a: VClock, b: VClock): VClock {
  const out: VClock = { ...a }
  for (const n in b) if ((out[n] ?? 0) < b[n]) out[n] = b[n]
  return out
}

/** Total order of lww: higher ts wins, ties broken by coordinator id. */
export function newerLww(a: { ts: number; node: NodeId }, b: { ts: number; node: NodeId }): boolean {
  return a.ts !== b.ts ? a.ts > b.ts : compareNodes(a.node, b.node) > 0
}

/** `a` makes `b` obsolete under `mode` (lww: newer timestamp; siblings: a causally follows b). */
export function supersedes(
  a: { id: string; vc: VClock; ts: number; node: NodeId },
  b: { id: string; vc: VClock; ts: number; node: NodeId },
  mode: ConflictMode,
): boolean {
  if (a.id === b.id && a.ts === b.ts && a.node === b.node) return false
  return mode === 'lww' ? newerLww(a, b) : covers(a.vc, b.vc)
}

/** Same write (a retried request could make two versions with one id, so compare the stamp too). */
export function sameVersion(a: Version, b: Version): boolean {
  return a.id === b.id && a.ts === b.ts && a.node === b.node
}

/**
 * The versions a replica keeps after receiving `v` on top of `cur`, or null when `v` adds
 * nothing (already held, or obsolete). lww keeps one version; siblings keeps every version no
 * other one causally follows (sorted by id so that equal sets look equal).
 * `arrivalWins` is the lwwArrivalOrder mutant: lww takes whatever arrives.
 */
export function mergeVersion(
  cur: readonly Version[],
  v: Version,
  mode: ConflictMode,
  arrivalWins = false,
): Version[] | null {
  for (const c of cur) if (sameVersion(c, v) || (!arrivalWins && supersedes(c, v, mode))) return null
  if (mode === 'lww') return [v]
  const out = cur.filter((c) => !supersedes(v, c, mode))
  out.push(v)
  out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.ts - b.ts))
  return out
}

/** Merge many versions (e.g. every read reply) into what a replica holding all of them keeps. */
export function mergeAll(groups: ReadonlyArray<readonly Version[]>, mode: ConflictMode): Version[] {
  let cur: Version[] = []
  for (const g of groups) for (const v of g) cur = mergeVersion(cur, v, mode) ?? cur
  return cur
}

/** `held` already contains everything in `result` (merging result into it changes nothing). */
export function holdsAll(held: readonly Version[], result: readonly Version[], mode: ConflictMode): boolean {
  for (const v of result) if (mergeVersion(held, v, mode) !== null) return false
  return true
}

export function clockText(vc: VClock): string {
  return Object.keys(vc)
    .sort(compareNodes)
    .map((n) => `${n}:${vc[n]}`)
    .join(',')
}

/**
 * A version as the trace shows it in apply events, e.g.
 * `lww ts=12.n3 vc=n1:2,n3:4 replicas=n1,n3,n4 w=2`, plus ` hint=n4` for a stand-in's copy
 * kept for n4, or ` superseded=yes` for a write a replica accepted but that a version it
 * already held makes obsolete (lww: an older timestamp lost to a concurrent write; applied as
 * a no-op). It names the conflict mode, the key's preference list and the write quorum so that
 * the checks, which see only the trace, know which nodes must end up holding it and how many
 * must have stored it before it was acknowledged.
 */
export function versionText(
  v: Version,
  mode: ConflictMode,
  replicas: readonly NodeId[],
  writeQuorum: number,
  extra: { hintFor?: NodeId; superseded?: boolean } = {},
): string {
  let text = `${mode} ts=${v.ts}.${v.node} vc=${clockText(v.vc)} replicas=${replicas.join(',')} w=${writeQuorum}`
  if (extra.hintFor !== undefined) text += ` hint=${extra.hintFor}`
  if (extra.superseded === true) text += ' superseded=yes'
  return text
}

export interface TracedVersion {
  mode: ConflictMode
  ts: number
  node: NodeId
  vc: VClock
  replicas: NodeId[]
  writeQuorum: number
  hintFor: NodeId | null
  superseded: boolean
}

/** Parse `versionText` back; null when the text is not one. */
export function parseVersionText(text: string): TracedVersion | null {
  const parts = text.split(' ')
  const mode = parts[0]
  if (mode !== 'lww' && mode !== 'siblings') return null
  const f = new Map<string, string>()
  for (const p of parts.slice(1)) {
    const eq = p.indexOf('=')
    if (eq < 1) return null
    f.set(p.slice(0, eq), p.slice(eq + 1))
  }
  const w = Number(f.get('w'))
  if (!Number.isInteger(w) || w < 1) return null
  const stamp = f.get('ts')
  const vcText = f.get('vc')
  const replicas = f.get('replicas')
  if (stamp === undefined || vcText === undefined || replicas === undefined) return null
  const dot = stamp.indexOf('.')
  const ts = Number(stamp.slice(0, dot))
  if (dot < 1 || !Number.isInteger(ts)) return null
  const vc: VClock = {}
  if (vcText !== '') {
    for (const e of vcText.split(',')) {
      const [n, c] = e.split(':')
      const k = Number(c)
      if (!n || !Number.isInteger(k)) return null
      vc[n] = k
    }
  }
  return {
    mode,
    ts,
    node: stamp.slice(dot + 1),
    vc,
    replicas: replicas === '' ? [] : replicas.split(','),
    writeQuorum: w,
    hintFor: f.get('hint') ?? null,
    superseded: f.get('superseded') === 'yes',
  }
}
