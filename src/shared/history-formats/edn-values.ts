// Reading EDN with edn-data: one op map per line (Jepsen's history.edn, Porcupine's test
// data), or the whole history as one vector with a map per line (Knossos's test data).
// edn-data is lenient about broken input (it returns what it could read), so every line
// is checked to hold exactly one complete form.
import { parseEDNString, toEDNString, type EDNVal } from 'edn-data'
import type { ErrorList } from './types'

/** One op map: its keyword keys without the colon. */
export type EdnRecord = Map<string, EDNVal>

export interface EdnLine {
  line: number
  rec: EdnRecord
}

/** A keyword's name (`:invoke` -> "invoke"), or null if `v` is not a keyword. */
export function keyword(v: EDNVal | undefined): string | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'key' in v
    ? (v as { key: string }).key
    : null
}

/** EDN text of a value, for messages and fault reports. */
export function ednText(v: EDNVal | undefined): string {
  if (v === undefined) return 'nothing'
  return toEDNString(v as Parameters<typeof toEDNString>[0])
}

function isMap(v: unknown): v is { map: Array<[EDNVal, EDNVal]> } {
  return typeof v === 'object' && v !== null && 'map' in v && Array.isArray((v as { map: unknown }).map)
}

/** A parsed form as an op record, or a reason it is not one. */
function toRecord(v: EDNVal): EdnRecord | string {
  // Tagged maps (#jepsen.history.Op{...}) are read as the map.
  if (typeof v === 'object' && v !== null && 'tag' in v && 'val' in v) v = (v as { val: EDNVal }).val
  if (!isMap(v)) return 'must be an EDN map ({:process ..., :type ..., :f ..., :value ...})'
  const rec: EdnRecord = new Map()
  for (const [k, val] of v.map) {
    const name = keyword(k)
    if (name !== null) rec.set(name, val)
  }
  return rec
}

/**
 * Every op map in `text`, with its line: one map per line, as Jepsen writes them (so a
 * broken line is reported as that line). Blank lines and `;` comments are skipped; a
 * leading `[` before the first map and the `]` after the last are allowed (one vector).
 */
export function readEdnLines(text: string, errors: ErrorList): EdnLine[] {
  const lines = text.split(/\r?\n/)
  const out: EdnLine[] = []
  const first = lines.findIndex((l) => l.trim() !== '')
  let last = lines.length - 1
  while (last >= 0 && lines[last].trim() === '') last--
  if (first < 0) return out
  const trimmedFirst = lines[first].trimStart()
  const inVector = trimmedFirst.startsWith('[') && lines[last].trimEnd().endsWith(']')
  for (let i = first; i <= last && !errors.full; i++) {
    let raw = lines[i]
    if (inVector && i === first) raw = raw.replace(/^\s*\[/, '')
    if (inVector && i === last) raw = raw.replace(/\]\s*$/, '')
    const t = raw.trim()
    if (t === '' || t.startsWith(';')) continue
    const line = i + 1
    let parsed: unknown
    try {
      parsed = parseEDNString(`(${raw}\n)`)
    } catch (e) {
      errors.add(line, '', `not valid EDN (${(e as Error).message})`)
      continue
    }
    if (parsed === null || typeof parsed !== 'object' || !('list' in parsed)) {
      errors.add(line, '', 'not valid EDN (unbalanced brackets or an unterminated string)')
      continue
    }
    const forms = (parsed as { list: EDNVal[] }).list
    if (forms.length !== 1) {
      errors.add(line, '', `must hold one op map, not ${forms.length} forms`)
      continue
    }
    const rec = toRecord(forms[0])
    if (typeof rec === 'string') errors.add(line, '', rec)
    else out.push({ line, rec })
  }
  return out
}
