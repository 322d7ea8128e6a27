// Reading EDN with edn-data: one op map per line (Jepsen's history.edn, Porcupine's test
// data), or the whole history as one vector or list, with comments and ops spread over
// several lines (Knossos's test data). edn-data is lenient about broken input (it returns what
// it could read), so each op's text is cut out first, by its brackets, and read alone.
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

/** What a line does to the reader's state: its bracket balance, and whether a string is left open. */
interface Scan {
  depth: number
  inString: boolean
}

/**
 * Scan one line from `st` (strings may span lines): brackets outside strings, comments (`;` to
 * the end of the line) and character literals (`\(`) counted as EDN reads them.
 */
function scanLine(line: string, st: Scan): Scan {
  let { depth, inString } = st
  for (let k = 0; k < line.length; k++) {
    const c = line[k]
    if (inString) {
      if (c === '\\') k++
      else if (c === '"') inString = false
      continue
    }
    if (c === ';') break
    if (c === '"') inString = true
    else if (c === '\\') k++
    else if (c === '{' || c === '[' || c === '(') depth++
    else if (c === '}' || c === ']' || c === ')') depth--
  }
  return { depth, inString }
}

const indentOf = (line: string): number => line.length - line.trimStart().length
const significant = (line: string): boolean => {
  const t = line.trim()
  return t !== '' && !t.startsWith(';')
}

/**
 * Every op map in `text`, with the line it starts on. Jepsen writes one map per line (so a
 * broken line is reported as that line); Knossos's test data wraps the history in one vector
 * `[...]` or list `(...)`, may put comments between ops and spreads a long op over several
 * lines (pretty-printed). So: blank lines and `;` comments are skipped, a `[` / `(` opening the
 * first op line and the matching `]` / `)` closing the last one are dropped, and an op is read
 * from the line it starts on until its brackets close. An op whose brackets never close is
 * reported at its first line, and reading goes on at the next line that starts a map no deeper
 * than it did.
 */
export function readEdnLines(text: string, errors: ErrorList): EdnLine[] {
  const lines = text.split(/\r?\n/)
  const out: EdnLine[] = []
  const first = lines.findIndex(significant)
  let last = lines.length - 1
  while (last >= 0 && !significant(lines[last])) last--
  if (first < 0) return out
  const opener = lines[first].trimStart()[0]
  const closer = opener === '[' ? ']' : opener === '(' ? ')' : null
  const wrapped = closer !== null && lines[last].trimEnd().endsWith(closer)
  let form: string[] = []
  let formLine = 0
  let formIndent = 0
  let st: Scan = { depth: 0, inString: false }
  const unbalanced = (line: number) =>
    errors.add(line, '', 'not valid EDN (unbalanced brackets or an unterminated string)')
  const finish = (): void => {
    const raw = form.join('\n')
    form = []
    let parsed: unknown
    try {
      parsed = parseEDNString(`(${raw}\n)`)
    } catch (e) {
      errors.add(formLine, '', `not valid EDN (${(e as Error).message})`)
      return
    }
    if (parsed === null || typeof parsed !== 'object' || !('list' in parsed)) return unbalanced(formLine)
    // Usually one map; a line holding several (a whole history on one line) gives each.
    for (const f of (parsed as { list: EDNVal[] }).list) {
      const rec = toRecord(f)
      if (typeof rec === 'string') errors.add(formLine, '', rec)
      else out.push({ line: formLine, rec })
    }
  }
  for (let i = first; i <= last && !errors.full; i++) {
    let raw = lines[i]
    if (wrapped && i === first) raw = raw.replace(/^\s*[[(]/, ' ')
    if (wrapped && i === last) raw = raw.replace(/[\])]\s*$/, '')
    if (form.length === 0) {
      if (!significant(raw)) continue
      formLine = i + 1
      formIndent = indentOf(raw)
    } else if (!st.inString && raw.trimStart().startsWith('{') && indentOf(raw) <= formIndent) {
      // The previous op never closed, and this line starts the next one.
      form = []
      unbalanced(formLine)
      st = { depth: 0, inString: false }
      formLine = i + 1
      formIndent = indentOf(raw)
    }
    form.push(raw)
    st = scanLine(raw, st)
    if (st.depth <= 0 && !st.inString) {
      finish()
      st = { depth: 0, inString: false }
    }
  }
  if (form.length > 0) unbalanced(formLine)
  return out
}
