// The headless command line: `quorum-lab validate SPEC.json`, `quorum-lab run SPEC.json`.
// Exit codes: 0 ok; 1 a safety check found a violation; 2 bad input (unreadable file, not
// JSON, invalid spec or options, unavailable mode); 3 the run itself failed; 130 stopped
// by Ctrl-C.
import { readFile } from 'node:fs/promises'
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import { LabError, type RunInfo, type RunSummary } from '../../shared/api'
import { formatSummary } from './format'
import { formatErrors, parseSpecJson } from '../../shared/spec'
import { LabService } from '../lab/service'
import { registerCheckCommand } from './check'

const EXIT_OK = 0
const EXIT_VIOLATION = 1
const EXIT_BAD_INPUT = 2
const EXIT_RUN_FAILED = 3
const EXIT_INTERRUPTED = 130

class CliExit extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message)
  }
}

const out = (s: string): void => void process.stdout.write(s + '\n')
const err = (s: string): void => void process.stderr.write(s + '\n')

async function readSpecText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message
    throw new CliExit(EXIT_BAD_INPUT, `cannot read ${file}: ${why}`)
  }
}

function parseSeed(v: string): number {
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v)))
    throw new InvalidArgumentError('must be a non-negative integer')
  return Number(v)
}

function parseSpeed(v: string): number | 'max' {
  if (v === 'max') return 'max'
  const n = Number(v)
  if (!(n > 0) || !Number.isFinite(n))
    throw new InvalidArgumentError('must be "max" or a positive number (run ms per wall ms)')
  return n
}

function exitCodeFor(run: RunInfo): number {
  if (run.status === 'failed') return EXIT_RUN_FAILED
  if (run.status === 'stopped') return EXIT_INTERRUPTED
  return violation(run.summary) ? EXIT_VIOLATION : EXIT_OK
}

function violation(s: RunSummary | null): boolean {
  return !!s && (s.verdict === 'violation' || s.checks.some((c) => !c.ok))
}

async function cmdValidate(file: string): Promise<number> {
  const r = parseSpecJson(await readSpecText(file))
  if (!r.ok) {
    err(`${file}: invalid spec`)
    err(formatErrors(r.errors))
    return EXIT_BAD_INPUT
  }
  out('ok')
  return EXIT_OK
}

interface RunOptions {
  seed?: number
  mode?: 'sim' | 'simulation' | 'processes'
  speed: number | 'max'
  json?: boolean
}

async function cmdRun(file: string, o: RunOptions): Promise<number> {
  const text = await readSpecText(file)
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (e) {
    throw new CliExit(
      EXIT_BAD_INPUT,
      `${file}: invalid spec\n(file): not valid JSON: ${(e as Error).message}`,
    )
  }
  if (
    (o.seed !== undefined || o.mode !== undefined) &&
    typeof raw === 'object' &&
    raw !== null &&
    !Array.isArray(raw)
  ) {
    raw = {
      ...raw,
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
      ...(o.mode !== undefined ? { mode: o.mode === 'sim' ? 'simulation' : o.mode } : {}),
    }
  }

  const service = new LabService({ bridge: 'browser' })
  const tty = process.stderr.isTTY === true
  let run: RunInfo
  try {
    run = await service.startRun({ spec: raw, speed: o.speed })
  } catch (e) {
    if (e instanceof LabError) {
      const detail = e.fields && e.fields.length > 0 ? `\n${formatErrors(e.fields)}` : ''
      throw new CliExit(EXIT_BAD_INPUT, `${file}: ${e.message}${detail}`)
    }
    throw e
  }

  const final = await new Promise<RunInfo>((resolveRun) => {
    if (run.status !== 'running') return resolveRun(run)
    let interrupts = 0
    const onSigint = (): void => {
      interrupts++
      if (interrupts > 1) process.exit(EXIT_INTERRUPTED)
      if (tty) process.stderr.write('\n')
      err('interrupted: stopping the run (Ctrl-C again to quit at once)')
      void service.stopRun({ runId: run.runId })
    }
    process.on('SIGINT', onSigint)
    process.on('SIGTERM', onSigint)
    service.on((e) => {
      if (e.type === 'run-progress' && e.runId === run.runId && tty) {
        const width = 30
        const filled = Math.round(e.progress * width)
        process.stderr.write(
          `\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${(e.progress * 100).toFixed(0).padStart(3)}%  ` +
            `${(e.tMs / 1000).toFixed(1)}/${(run.spec.durationMs / 1000).toFixed(1)} s`,
        )
      } else if (e.type === 'run-status' && e.run.runId === run.runId && e.run.status !== 'running') {
        if (tty) process.stderr.write('\r\x1b[K')
        process.off('SIGINT', onSigint)
        process.off('SIGTERM', onSigint)
        resolveRun(e.run)
      }
    })
  })

  if (o.json) {
    out(
      JSON.stringify(
        {
          name: final.name,
          algorithm: final.algorithm,
          mode: final.mode,
          seed: final.seed,
          status: final.status,
          error: final.error,
          summary: final.summary,
        },
        null,
        2,
      ),
    )
  } else {
    out(formatSummary(final))
  }
  if (final.status === 'failed') err(`run failed: ${final.error ?? 'unknown error'}`)
  return exitCodeFor(final)
}

async function main(argv: string[] = process.argv): Promise<number> {
  const program = new Command()
    .name('quorum-lab')
    .description('Quorum Lab: run and check distributed-consensus experiments from the command line')
    .exitOverride()
    .showHelpAfterError()

  let result: Promise<number> = Promise.resolve(EXIT_OK)
  program
    .command('validate')
    .description('check an experiment spec; prints "ok" or each bad field as `path: message`')
    .argument('<spec>', 'experiment spec (JSON file)')
    .action((file: string) => {
      result = cmdValidate(file)
    })
  program
    .command('run')
    .description('run an experiment to the end and print its summary')
    .argument('<spec>', 'experiment spec (JSON file)')
    .option('--seed <n>', 'override the spec seed', parseSeed)
    .addOption(
      new Option('--mode <mode>', 'override the spec mode').choices(['sim', 'simulation', 'processes']),
    )
    .option('--speed <speed>', '"max" (default) or run ms per wall ms', parseSpeed, 'max' as number | 'max')
    .option('--json', 'print the summary as JSON')
    .action((file: string, o: RunOptions) => {
      result = cmdRun(file, o)
    })

  registerCheckCommand(program, (r) => (result = r), out, err)

  try {
    await program.parseAsync(argv)
    return await result
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version are not errors; anything else is a usage error (already printed).
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? EXIT_OK : EXIT_BAD_INPUT
    }
    if (e instanceof CliExit) {
      err(e.message)
      return e.code
    }
    err(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`)
    return EXIT_RUN_FAILED
  }
}

main().then(
  (code) => {
    process.exitCode = code
    // Let stdout drain, then leave even if something still holds the loop.
    setTimeout(() => process.exit(code), 50).unref()
  },
  (e: unknown) => {
    err(`internal error: ${String(e)}`)
    process.exit(EXIT_RUN_FAILED)
  },
)
