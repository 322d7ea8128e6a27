// `quorum-lab check HISTORY`: check a client history recorded by any system for
// linearizability (or sequential consistency): our JSON lines (src/shared/history.ts),
// Jepsen's history.edn, Porcupine's key-value test data or Jepsen's older text log
// (src/shared/history-formats), told apart by looking unless --format names one. Exit 0 ok,
// 1 violation, 3 unknown (budget ran out), 2 bad input (including a history that does not
// fit its model, e.g. an :f the model does not know).
import { readFile } from 'node:fs/promises'
import type { Command } from 'commander'
import { InvalidArgumentError, Option } from 'commander'
import {
  HISTORY_FORMATS,
  type HistoryFault,
  type HistoryFormat,
  type ParsedHistory,
} from '../../shared/history-formats'
import { formatTime, type LinResult, type TimeUnit } from '../../core/check/linearizability'
import { checkHistoryText } from '../lab/history-check'

export const CHECK_EXIT = { ok: 0, violation: 1, badInput: 2, unknown: 3 } as const

export interface CheckOptions {
  mode: 'linearizable' | 'sequential'
  budget: number
  /** Default: the file's own unit (ns for history.edn, line for formats without times), else none. */
  unit?: TimeUnit
  format: HistoryFormat | 'auto'
  json?: boolean
}

function parseBudget(v: string): number {
  const n = Number(v)
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError('must be a positive number of ms')
  return n
}

export async function cmdCheck(
  file: string,
  o: CheckOptions,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (e) {
    err(
      `cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
    )
    return CHECK_EXIT.badInput
  }
  const checked = checkHistoryText(text, o.format, { mode: o.mode, budgetMs: o.budget, timeUnit: o.unit })
  if (!checked.ok) {
    err(`${file}: not a valid history${o.format === 'auto' ? '' : ` (${o.format})`}`)
    for (const e of checked.errors) err(`  ${e}`)
    return CHECK_EXIT.badInput
  }
  const { history: h, result: r } = checked
  const unit = o.unit ?? h.timeUnit ?? 'none'
  if (o.json) {
    const full = { format: h.format, model: h.model, faults: h.faults, ...r }
    out(JSON.stringify(full, (_k, v: unknown) => (v === Infinity ? null : v), 2))
  } else out(formatLin(r, h, unit))
  return r.verdict === 'ok'
    ? CHECK_EXIT.ok
    : r.verdict === 'violation'
      ? CHECK_EXIT.violation
      : CHECK_EXIT.unknown
}

/** Faults listed before the rest are counted. */
const MAX_FAULTS = 20

function faultLine(f: HistoryFault, unit: TimeUnit): string {
  const when = `${formatTime(f.start, unit)}${f.end === null ? '' : ` to ${formatTime(f.end, unit)}`}`
  return `    ${f.f}  ${when}${f.value ? `  ${f.value}` : ''}`
}

function formatLin(r: LinResult, h: ParsedHistory, unit: TimeUnit): string {
  const what = r.mode === 'linearizable' ? 'linearizable' : 'sequentially consistent'
  const lines = [
    `verdict       ${r.verdict}${r.verdict === 'ok' ? ` (${what})` : ''}`,
    `format        ${h.model}`,
    `ops           ${h.ops.length} (${r.checkedOps} searched) over ${r.keys} key(s)`,
    `stale reads   ${r.staleReads}`,
    `faults        ${h.faults.length}${h.faults.length ? ' (nemesis; reported, not checked)' : ''}`,
    `time          ${r.elapsedMs === null ? '-' : `${r.elapsedMs.toFixed(1)} ms`}`,
  ]
  for (const f of h.faults.slice(0, MAX_FAULTS)) lines.push(faultLine(f, unit))
  if (h.faults.length > MAX_FAULTS) lines.push(`    … and ${h.faults.length - MAX_FAULTS} more`)
  const v = r.violation
  if (v) {
    lines.push(
      '',
      `not ${what}: key ${v.key}`,
      `  ${v.explanation}`,
      '',
      `  smallest failing set (${v.ops.length} ops):`,
    )
    for (const op of v.ops) {
      const val =
        op.f === 'cas'
          ? `${JSON.stringify(op.expected)} -> ${JSON.stringify(op.value)}`
          : op.f === 'append'
            ? `+= ${JSON.stringify(op.value)}`
            : JSON.stringify(op.value)
      const res = op.f === 'cas' && op.type === 'ok' ? ` result=${String(op.result)}` : ''
      const end = op.complete === Infinity ? '?' : String(op.complete)
      lines.push(`    process ${op.process}  ${op.f} ${val}  ${op.type}${res}  [${op.invoke}, ${end}]`)
    }
    lines.push(`  register value where the search failed: ${JSON.stringify(v.state)}`)
    if (r.failedKeys.length > 1) lines.push(`  other failing keys: ${r.failedKeys.slice(1, 11).join(', ')}`)
  }
  if (r.verdict === 'unknown')
    lines.push('', `undecided keys (budget ran out): ${r.unknownKeys.slice(0, 10).join(', ')}`)
  return lines.join('\n')
}

/** Adds `check` to the CLI; `done` receives the command's exit code promise. */
export function registerCheckCommand(
  program: Command,
  done: (result: Promise<number>) => void,
  out: (s: string) => void,
  err: (s: string) => void,
): void {
  program
    .command('check')
    .description(
      'check a client history (JSON lines, Jepsen history.edn, Porcupine key-value, Jepsen text log; see README) ' +
        'for linearizability; exit 0 ok, 1 violation, 2 bad input, 3 unknown',
    )
    .argument('<history>', 'history file')
    .addOption(
      new Option('--format <format>', 'history format (auto: told apart by looking)')
        .choices(['auto', ...HISTORY_FORMATS])
        .default('auto'),
    )
    .addOption(
      new Option('--mode <mode>', 'consistency model')
        .choices(['linearizable', 'sequential'])
        .default('linearizable'),
    )
    .option('--budget <ms>', 'time budget; past it the verdict is unknown', parseBudget, 10_000)
    .addOption(
      new Option(
        '--unit <unit>',
        "unit of the history times (for messages; default: the format's own, else none)",
      ).choices(['none', 'ns', 'us', 'ms', 's', 'line']),
    )
    .option('--json', 'print the full result as JSON')
    .action((file: string, o: CheckOptions) => done(cmdCheck(file, o, out, err)))
}
