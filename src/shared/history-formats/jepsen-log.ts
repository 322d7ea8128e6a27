// Jepsen's text log, as Knossos and Porcupine keep in their test data (newer Jepsen writes
// `INFO [jepsen worker 3] jepsen.util: 3 ...`, read the same):
//   INFO  jepsen.util - 3	:invoke	:cas	[1 2]
//   INFO  jepsen.util - 3	:fail	:cas	[1 2]
//   INFO  jepsen.util - 4	:info	:write	:timed-out
//   INFO  jepsen.util - :nemesis	:info	:start	"Cut off {...}"
// (the `... jepsen.util - ` prefix is optional): process, type, f, value and an optional
// error, read as EDN. The register model of ./jepsen-ops.ts; `:fail ... :timed-out` means
// the outcome is unknown (in doubt), as Porcupine reads it. No timestamps: events are in
// time order, one per line, so a time is a line. Other log lines are skipped.
import { parseEDNString, type EDNVal } from 'edn-data'
import { keyword } from './edn-values'
import { jepsenOps, type JepsenEvent } from './jepsen-ops'
import { ErrorList, type ParseFormatResult } from './types'

/** `[prefix]` process, then a keyword (the type), then the rest. */
const OP_LINE = /^(?:.*?jepsen\.util(?:\s+-|:)\s+)?(\d+|:nemesis)\s+(:\S+)(?:\s+(.*))?$/
/** A line from jepsen.util's op logger (`jepsen.util - ` before Jepsen 0.2, `jepsen.util: ` after): it must be an op. */
const LOGGER = /jepsen\.util(?:\s+-|:)\s/

export function parseJepsenLog(text: string): ParseFormatResult {
  const errors = new ErrorList()
  const events: JepsenEvent[] = []
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length && !errors.full; i++) {
    const raw = lines[i].trim()
    if (raw === '') continue
    const line = i + 1
    const m = OP_LINE.exec(raw)
    if (!m) {
      if (LOGGER.test(raw)) errors.add(line, '', 'not an op line (process, type, f, value)')
      continue
    }
    let rest: EDNVal[]
    try {
      const parsed = parseEDNString(`(${m[2]} ${m[3] ?? ''}\n)`) as { list: EDNVal[] } | null
      if (parsed === null || !('list' in parsed))
        throw new Error('unbalanced brackets or an unterminated string')
      rest = parsed.list
    } catch (e) {
      errors.add(line, 'value', `not valid EDN (${(e as Error).message})`)
      continue
    }
    if (rest.length < 2) {
      errors.add(line, rest.length === 1 ? 'f' : 'type', 'required')
      continue
    }
    if (rest.length > 4) {
      errors.add(
        line,
        '',
        `too many fields (${rest.length + 1}): process, type, f, value and an optional error`,
      )
      continue
    }
    // `4 :info :write :timed-out`: on a completion that failed or timed out, a lone
    // keyword where the value goes is the error.
    const type = keyword(rest[0])
    const errorInPlace =
      rest.length === 3 &&
      (type === 'fail' || type === 'info') &&
      keyword(rest[2]) !== null &&
      m[1] !== ':nemesis'
    events.push({
      line,
      process: m[1] === ':nemesis' ? { key: 'nemesis' } : Number(m[1]),
      type: rest[0],
      f: rest[1],
      value: rest.length > 2 && !errorInPlace ? rest[2] : null,
      time: undefined,
      error: errorInPlace ? rest[2] : rest[3],
      timeoutIsInfo: true,
    })
  }
  if (events.length === 0 && errors.errors.length === 0)
    errors.add(1, '', 'no op lines found (e.g. "INFO  jepsen.util - 3\t:invoke\t:read\tnil")')
  const r = jepsenOps(events, errors)
  return errors.result(() => ({
    format: 'jepsen-log',
    ops: r.ops,
    initial: null,
    timeUnit: 'line',
    faults: r.faults,
    model: `Jepsen text log: cas-register${r.independent ? ', independent keys' : ''} (ordered by line)`,
  }))
}
