// `quorum-lab doctor [--data DIR] [--compact]`: check the data folder's database and, when
// it is damaged, save what can still be read into a new file beside it, saying what was
// saved and what was lost. With --compact, a healthy file is then rewritten without its free
// pages (what deleted runs and the move of old trace rows into chunks left behind). Exit 0
// healthy (or nothing recorded yet), 4 damaged (salvaged), 2 the file is not a Quorum Lab
// database or is from a newer version, or a run is still recording into it (--compact).
import { statSync } from 'node:fs'
import { resolve, basename, join } from 'node:path'
import type { Command, Option } from 'commander'
import {
  DB_FILE_NAME,
  DOCTOR_PROBLEM_LIMIT,
  examineDatabase,
  LabStore,
  salvageDatabase,
  salvagePath,
  type Salvage,
} from '../store'

export const DOCTOR_EXIT = { healthy: 0, badInput: 2, damaged: 4 } as const

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`
const n = (x: number): string => x.toLocaleString('en-US')

export async function cmdDoctor(
  o: { data: string; json?: boolean; compact?: boolean },
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  const file = join(resolve(o.data), DB_FILE_NAME)
  const exam = examineDatabase(file)
  if (exam.state === 'missing') {
    err(`${file} does not exist: nothing recorded in ${resolve(o.data)} yet`)
    return DOCTOR_EXIT.badInput
  }
  if (exam.state !== 'healthy' && exam.state !== 'damaged') {
    err(`${file} is ${exam.problem}; doctor left it untouched`)
    return DOCTOR_EXIT.badInput
  }
  if (exam.state === 'healthy') {
    let compacted: { before: number; after: number } | null = null
    if (o.compact) {
      const store = LabStore.openDir(resolve(o.data))
      try {
        store.compact()
      } catch (e) {
        if (!(e instanceof RangeError)) throw e
        err(`${file}: not compacted: ${e.message}`)
        return DOCTOR_EXIT.badInput
      } finally {
        store.close()
      }
      compacted = { before: exam.bytes, after: statSync(file).size }
    }
    if (o.json) out(JSON.stringify(compacted === null ? exam : { ...exam, compacted }, null, 2))
    else {
      out(
        `${file} (${mib(exam.bytes)}): ok, no problems found (integrity_check); schema version ${exam.version}, ${n(exam.runs)} runs`,
      )
      if (compacted !== null) out(`compacted: ${mib(compacted.before)} -> ${mib(compacted.after)}`)
    }
    return DOCTOR_EXIT.healthy
  }
  const target = salvagePath(file)
  if (!o.json) {
    out(`${file} (${mib(exam.bytes)}) is damaged: ${describeCount(exam.problems.length)}, e.g.`)
    for (const p of exam.problems.slice(0, 5)) out(`  ${p.replace(/\s+/g, ' ').slice(0, 200)}`)
    out(`saving what can be read into ${target}`)
  }
  const s = salvageDatabase(file, target)
  if (o.json) out(JSON.stringify({ ...exam, salvage: s }, null, 2))
  else out(formatSalvage(s, file))
  return DOCTOR_EXIT.damaged
}

function describeCount(k: number): string {
  return k >= DOCTOR_PROBLEM_LIMIT ? `${k}+ problems` : k === 1 ? '1 problem' : `${k} problems`
}

function lostText(t: Salvage['tables'][number]): string {
  if (t.unreadable !== null) return `unreadable: ${t.unreadable}`
  if (t.lost.length === 0) return '-'
  return t.lost
    .map((l) => {
      const range =
        l.to === null ? `${n(l.from)}..end` : l.from === l.to ? n(l.from) : `${n(l.from)}..${n(l.to)}`
      const size = l.to === null ? '' : `, up to ${n(l.to - l.from + 1)} rows`
      return `${t.key} ${range}${size}`
    })
    .join('; ')
}

export function formatSalvage(s: Salvage, source: string): string {
  const lines: string[] = []
  if (s.schemaError !== null) {
    lines.push(`nothing could be saved: the schema cannot be read (${s.schemaError})`)
  } else {
    const w = Math.max(...s.tables.map((t) => t.table.length), 5)
    lines.push(`  ${'table'.padEnd(w)}  ${'saved'.padStart(10)}  ${'skipped'.padStart(8)}  lost`)
    for (const t of s.tables)
      lines.push(
        `  ${t.table.padEnd(w)}  ${n(t.saved).padStart(10)}  ${n(t.skipped).padStart(8)}  ${lostText(t)}`,
      )
    const errors = [...new Set(s.tables.flatMap((t) => t.lost.map((l) => l.error)))]
    if (errors.length) lines.push(`  (unreadable because: ${errors.slice(0, 3).join('; ')})`)
    lines.push(`runs saved: ${s.runs.length}`)
    for (const r of s.runs) {
      const rows = Object.entries(r.rows)
        .map(([k, v]) => `${n(v)} ${k}`)
        .join(', ')
      const state = r.losses.length === 0 ? 'complete' : `may have lost rows of: ${r.losses.join(', ')}`
      lines.push(`  ${r.id}  ${r.name}: ${state} (${rows})`)
    }
    lines.push("skipped: rows that read but hold garbage, or whose run's own row was lost")
  }
  if (s.target === null) {
    lines.push('nothing could be read, so no new file was written.')
    lines.push(`${source} was not changed. Move it out of the folder to start a new history there.`)
    return lines.join('\n')
  }
  lines.push(
    s.targetCheck === 'ok'
      ? `${s.target}: written, passes integrity_check`
      : `${s.target}: written, but its check says: ${s.targetCheck}`,
  )
  lines.push(`${source} was not changed.`)
  lines.push(
    `To use the saved runs: move ${basename(source)} (and any ${basename(source)}-wal / -shm) out of the folder, then rename ${basename(s.target)} to ${DB_FILE_NAME}.`,
  )
  return lines.join('\n')
}

/** Adds `doctor` to the CLI; `done` receives the command's exit code promise. */
export function registerDoctorCommand(
  program: Command,
  done: (result: Promise<number>) => void,
  out: (s: string) => void,
  err: (s: string) => void,
  dataOption: () => Option,
): void {
  program
    .command('doctor')
    .description(
      "check the data folder's database; when damaged, save what can be read into a new file beside it (exit 0 ok, 4 damaged)",
    )
    .addOption(dataOption())
    .option('--json', 'print the findings as JSON')
    .option(
      '--compact',
      'then rewrite a healthy file without its free pages (after deleting runs or upgrading)',
    )
    .action((o: { data: string; json?: boolean; compact?: boolean }) => done(cmdDoctor(o, out, err)))
}
