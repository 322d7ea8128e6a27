// Ending what a crashed lab left running. A node stopped with SIGSTOP cannot notice its lab
// die, and if the proxy (its reaper) died too, the node lives on holding its ports. Every run
// folder with a children.json (ledger.ts) whose lab process is gone is such a crashed run; a
// child listed there is still ours only if the same pid now has the same start time AND runs
// the same program file. Those get SIGCONT (so nothing stays stopped) then SIGKILL; what was
// ended is written to the run folder (leftovers.json) and returned for the caller to report,
// and the children.json goes. A children.json whose lab is alive (a run going on, in this lab
// or another sharing the folder) is left alone, as is anything that cannot be proved ours
// (no /proc: nothing is ended there).
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { LEDGER_FILE, readLedger, type LedgerChild } from './ledger'
import { processArgs, processStartTime } from './procfs'

export const LEFTOVERS_FILE = 'leftovers.json'

export interface LeftoverReport {
  /** The run (its folder's name under <data>/runs). */
  runId: string
  folder: string
  /** The children that were still running and were ended, e.g. [{ name: 'n2', pid: 4242 }]. */
  ended: Array<{ name: string; pid: number }>
  /** A problem with this folder's record (unreadable children.json): nothing was ended. */
  problem?: string
}

function stillOurs(c: LedgerChild): boolean {
  if (c.startTime === null || processStartTime(c.pid) !== c.startTime) return false
  return processArgs(c.pid)?.includes(c.program) === true
}

function end(pid: number): boolean {
  try {
    process.kill(pid, 'SIGCONT')
  } catch {
    // gone already, or not ours to signal: SIGKILL says which
  }
  try {
    process.kill(pid, 'SIGKILL')
    return true
  } catch {
    return false
  }
}

/** One run folder: its report, or null when it holds no record of a crashed run. */
export function endLeftoversOfRun(folder: string, runId: string): LeftoverReport | null {
  const file = join(folder, LEDGER_FILE)
  if (!existsSync(file)) return null
  let ledger
  try {
    ledger = readLedger(file)
  } catch (e) {
    return { runId, folder, ended: [], problem: `${file}: ${(e as Error).message}` }
  }
  const { lab } = ledger
  // No start time: recorded where /proc is missing; nothing can be proved, nothing is touched.
  if (lab.startTime === null) return null
  if (processStartTime(lab.pid) === lab.startTime) return null // its lab is alive
  const ended: LeftoverReport['ended'] = []
  for (const c of ledger.children) if (stillOurs(c) && end(c.pid)) ended.push({ name: c.name, pid: c.pid })
  if (ended.length > 0) {
    const record = { endedAt: new Date().toISOString(), lab, ended }
    try {
      writeFileSync(join(folder, LEFTOVERS_FILE), `${JSON.stringify(record, null, 1)}\n`)
    } catch {
      // the report still reaches the caller
    }
  }
  rmSync(file, { force: true })
  return { runId, folder, ended }
}

/** Every run folder under <dataDir>/runs: reports of the crashed runs that left processes running (or whose record is unreadable). */
export function endLeftoverChildren(dataDir: string): LeftoverReport[] {
  const runs = join(dataDir, 'runs')
  let names: string[]
  try {
    names = readdirSync(runs, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
  } catch {
    return [] // no runs folder yet
  }
  const out: LeftoverReport[] = []
  for (const name of names) {
    const r = endLeftoversOfRun(join(runs, name), name)
    if (r !== null && (r.ended.length > 0 || r.problem !== undefined)) out.push(r)
  }
  return out
}

/** One line for a report: what was ended, or the problem. */
export function describeLeftovers(r: LeftoverReport): string {
  if (r.problem !== undefined) return `run ${r.runId}: cannot check for leftover processes: ${r.problem}`
  const what = r.ended.map((c) => `${c.name} (pid ${c.pid})`).join(', ')
  return `run ${r.runId} had crashed and left ${r.ended.length} process${r.ended.length === 1 ? '' : 'es'} running: ended ${what}`
}
