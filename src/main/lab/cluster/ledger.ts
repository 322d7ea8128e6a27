// The children of one processes-mode run, written down in the run's folder as they start:
// `<data>/runs/<run id>/children.json`. Each entry names a child (proxy, n1, ...), its pid,
// its start time from /proc (so a later reader can tell our process from another that got
// the same pid) and the program file it runs; the file also names the lab process itself
// (pid and start time). It is rewritten atomically (temp file, then rename) whenever a child
// starts or exits, and deleted when the run ended with every child gone. A children.json
// whose lab is gone therefore lists what a crashed lab may have left running: see
// leftovers.ts, which ends those.
import type { ChildProcess } from 'node:child_process'
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { z } from 'zod'
import { processStartTime } from './procfs'

export const LEDGER_FILE = 'children.json'
const FORMAT = 'quorum-lab children'

const StartTime = z
  .string()
  .regex(/^\d{1,20}$/)
  .nullable()
const Pid = z
  .number()
  .int()
  .min(1)
  .max(2 ** 31)

export const LedgerSchema = z.strictObject({
  format: z.literal(FORMAT),
  version: z.literal(1),
  lab: z.strictObject({ pid: Pid, startTime: StartTime }),
  children: z
    .array(
      z.strictObject({
        /** proxy, n1, n2 ... */
        name: z.string().min(1).max(16),
        pid: Pid,
        /** Clock ticks since boot (/proc/PID/stat field 22); null where there is no /proc. */
        startTime: StartTime,
        /** The program file it was started with (one of its arguments). */
        program: z.string().min(1).max(4096),
      }),
    )
    .max(4096),
})
export type Ledger = z.infer<typeof LedgerSchema>
export type LedgerChild = Ledger['children'][number]

/** Read and check a children.json; throws naming the problem. */
export function readLedger(file: string): Ledger {
  const r = LedgerSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')))
  if (!r.success) {
    const i = r.error.issues[0]
    throw new Error(`${i.path.join('.') || '(file)'}: ${i.message}`)
  }
  return r.data
}

export class ChildLedger {
  private readonly children = new Map<number, LedgerChild>()
  private readonly lab = { pid: process.pid, startTime: processStartTime(process.pid) }
  private closed = false
  private failed = false

  constructor(
    readonly file: string,
    private readonly log: (line: string) => void,
  ) {}

  /** Write down a child that just started (fork returned), and forget it once it exits. */
  add(cp: ChildProcess, name: string, program: string): void {
    const pid = cp.pid
    if (pid === undefined || this.closed) return
    // The start time is set at fork, so it can be read before the child even runs its program.
    this.children.set(pid, { name, pid, startTime: processStartTime(pid), program })
    this.write()
    cp.once('exit', () => {
      if (this.children.delete(pid)) this.write()
    })
  }

  /** Write down a process a child started (a program run by its node), until removePid. */
  addPid(pid: number, name: string, program: string): void {
    if (this.closed) return
    this.children.set(pid, { name, pid, startTime: processStartTime(pid), program })
    this.write()
  }

  removePid(pid: number): void {
    if (this.children.delete(pid)) this.write()
  }

  /** The run is over and its children are gone: nothing is left to find. */
  close(): void {
    if (this.closed) return
    this.closed = true
    try {
      rmSync(this.file, { force: true })
    } catch (e) {
      this.log(`lab: could not remove ${this.file}: ${(e as Error).message}`)
    }
  }

  private write(): void {
    if (this.closed) return
    const ledger: Ledger = {
      format: FORMAT,
      version: 1,
      lab: this.lab,
      children: [...this.children.values()],
    }
    const tmp = `${this.file}.${process.pid}.tmp`
    try {
      writeFileSync(tmp, `${JSON.stringify(ledger, null, 1)}\n`)
      renameSync(tmp, this.file)
    } catch (e) {
      // The run goes on; only the clean-up after a crash loses its list.
      if (!this.failed)
        this.log(`lab: could not record the run's child processes in ${this.file}: ${(e as Error).message}`)
      this.failed = true
    }
  }
}
