// `quorum-lab check HISTORY.jsonl`: check a client history recorded by any system (the
// JSON-lines format documented in src/shared/history.ts and the README) for
// linearizability (or sequential consistency). Exit 0 ok, 1 violation, 3 unknown (budget
// ran out), 2 bad input.
import { readFile } from 'node:fs/promises'
import { performance } from 'node:perf_hooks'
import type { Command } from 'commander'
import { InvalidArgumentError, Option } from 'commander'
import { parseHistoryJsonl } from '../../shared/history'
import { checkLinearizable, type LinResult } from '../../core/check/linearizability'

export const CHECK_EXIT = { ok: 0, violation: 1, badInput: 2, unknown: 3 } as const

export interface CheckOptions {
  mode: 'linearizable' | 'sequential'
  budget: number
  unit: 'none' | 'us' | 'ms' | 's'
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
  const parsed = parseHistoryJsonl(text)
  if (!parsed.ok) {
    err(`${file}: not a valid history`)
    for (const e of parsed.errors) err(`  ${e}`)
    return CHECK_EXIT.badInput
  }
  const r = checkLinearizable(parsed.ops, {
    mode: o.mode,
    budgetMs: o.budget,
    now: () => performance.now(),
    timeUnit: o.unit,
  })
  if (o.json) out(JSON.stringify(r, (_k, v: unknown) => (v === Infinity ? null : v), 2))
  else out(formatLin(r, parsed.ops.length))
  return r.verdict === 'ok'
    ? CHECK_EXIT.ok
    : r.verdict === 'violation'
      ? CHECK_EXIT.violation
      : CHECK_EXIT.unknown
}

function formatLin(r: LinResult, ops: number): string {
  const what = r.mode === 'linearizable' ? 'linearizable' : 'sequentially consistent'
  const lines = [
    `verdict       ${r.verdict}${r.verdict === 'ok' ? ` (${what})` : ''}`,
    `ops           ${ops} (${r.checkedOps} searched) over ${r.keys} key(s)`,
    `stale reads   ${r.staleReads}`,
    `time          ${r.elapsedMs === null ? '-' : `${r.elapsedMs.toFixed(1)} ms`}`,
  ]
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
      'check a client history (JSON lines, see README) for linearizability; exit 0 ok, 1 violation, 3 unknown',
    )
    .argument('<history>', 'history file (.jsonl)')
    .addOption(
      new Option('--mode <mode>', 'consistency model')
        .choices(['linearizable', 'sequential'])
        .default('linearizable'),
    )
    .option('--budget <ms>', 'time budget; past it the verdict is unknown', parseBudget, 10_000)
    .addOption(
      new Option('--unit <unit>', 'unit of the history times (for messages)')
        .choices(['none', 'us', 'ms', 's'])
        .default('none'),
    )
    .option('--json', 'print the full result as JSON')
    .action((file: string, o: CheckOptions) => done(cmdCheck(file, o, out, err)))
}
