// Reading a history file in any of the formats `quorum-lab check` knows, by name or by
// looking at it: our JSON lines (../history.ts), Jepsen's history.edn, Porcupine's
// key-value test data, and Jepsen's older text log. Pure: the caller reads the file.
import { parseHistoryJsonl } from '../history'
import { parseJepsenEdn } from './edn'
import { parseJepsenLog } from './jepsen-log'
import { parsePorcupineKv } from './porcupine-kv'
import type { HistoryFormat, ParseFormatResult } from './types'

export * from './types'

/** Lines looked at to tell the format. */
const SNIFF_LINES = 50

/**
 * The format of a history file by its first lines, or null if it matches none: a JSON
 * object per line (ours), a Jepsen text log line, or EDN maps (Porcupine's key-value data
 * when they carry :key with :get / :put / :append, else Jepsen's history.edn).
 */
export function detectHistoryFormat(text: string): HistoryFormat | null {
  const lines: string[] = []
  for (const l of text.split(/\r?\n/, 10_000)) {
    const t = l.trim()
    if (t !== '' && !t.startsWith(';')) lines.push(t)
    if (lines.length >= SNIFF_LINES) break
  }
  if (lines.length === 0) return null
  if (isJsonObject(lines[0])) return 'jsonl'
  if (
    lines.some((l) => /^(?:.*?jepsen\.util(?:\s+-|:)\s+)?(\d+|:nemesis)\s+:(invoke|ok|fail|info)\b/.test(l))
  )
    return 'jepsen-log'
  const edn = lines.filter((l) => /^[[#]*\s*\{\s*:/.test(l))
  if (edn.length === 0) return null
  const kv = edn.some((l) => /:key\s/.test(l) && /:f\s+:(get|put|append)\b/.test(l))
  return kv ? 'porcupine-kv' : 'edn'
}

function isJsonObject(line: string): boolean {
  if (!line.startsWith('{')) return false
  try {
    const v: unknown = JSON.parse(line)
    return typeof v === 'object' && v !== null && !Array.isArray(v)
  } catch {
    return false
  }
}

/** Parse a history in `format` ('auto': detected). Errors name the line and field. */
export function parseHistory(text: string, format: HistoryFormat | 'auto' = 'auto'): ParseFormatResult {
  const f = format === 'auto' ? detectHistoryFormat(text) : format
  if (f === null) {
    return {
      ok: false,
      errors: [
        'cannot tell the format from the first lines: expected JSON lines, Jepsen history.edn, ' +
          "Porcupine's key-value EDN or a Jepsen text log (name it with --format)",
      ],
    }
  }
  switch (f) {
    case 'jsonl': {
      const r = parseHistoryJsonl(text)
      if (!r.ok) return r
      return {
        ok: true,
        history: {
          format: 'jsonl',
          ops: r.ops,
          initial: null,
          timeUnit: null,
          faults: [],
          model: 'JSON lines',
        },
      }
    }
    case 'edn':
      return parseJepsenEdn(text)
    case 'porcupine-kv':
      return parsePorcupineKv(text)
    case 'jepsen-log':
      return parseJepsenLog(text)
  }
}
