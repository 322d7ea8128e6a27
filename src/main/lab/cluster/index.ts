// The node processes of one run: start (fresh or from the WAL), crash (SIGKILL), pause and
// resume (SIGSTOP / SIGCONT), control messages (clock, byzantine), telemetry intake.
import type { ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import type { NodeStatus } from '../../../core/protocols/types'
import type { Rng } from '../../../core/rng'
import type { TraceEvent } from '../../../shared/trace'
import type { LabToNode, NodeToLab, RecoveryInfo } from '../../node/control'
import type { ChildLedger } from './ledger'
import { checkNodeStatus } from '../../node/validate'
import { forkChild, resolveNodeEntry, type ChildEntry } from './spawn'
import { decodeTraceBatch } from '../../node/trace-batch'

export { resolveNodeEntry, resolveProxyEntry, resolveChildEntry, killAllChildren } from './spawn'
export { ChildLedger, LEDGER_FILE } from './ledger'
export { describeLeftovers, endLeftoverChildren, type LeftoverReport } from './leftovers'

/** How long a node may take to report 'ready' (tsx compiles the sources on a cold start), ms. */
export const NODE_READY_TIMEOUT_MS = 60_000

export interface NodeTelemetry {
  events: TraceEvent[]
  sent: number
  delivered: number
  /** Connections refused at the hello since the previous report. */
  rejected: number
  status: NodeStatus | null
  lc: number
  vc: number[]
  errors: string[]
  /** A program's stderr since the previous report. */
  stderr?: string
}

export interface NodeReady {
  pid: number
  clientPort: number
  peerPort: number
  recovery: RecoveryInfo
  /** A program's node: the program's pid (signalled with its node host). */
  programPid?: number
}

export interface ClusterOptions {
  /** Every node that may exist (clusterSize). */
  n: number
  /** The initial voters are n1..n(voters) when fewer than n; absent: all. */
  voters?: number
  kind: string
  /** Deliberate bugs switched on (the spec's algorithm.mutants). */
  mutants?: string[]
  params: unknown
  tickMs: number
  fsync: boolean
  /** fsync off: how often each node syncs its WAL (absent: the host's default). */
  writebackMs?: number
  secret: string
  proxyPort: number
  dataDir: string
  msgEvents: boolean
  /** One rng per node; each incarnation's protocol seed is drawn from it. */
  nodeRngs: Rng[]
  /** The run's seed (spec.seed), passed to every protocol instance. */
  runSeed: number
  entry?: ChildEntry
  labPid?: number
  /** The run's record of its child processes. */
  ledger?: ChildLedger
  onTelemetry: (idx: number, t: NodeTelemetry) => void
  /** A node process ended; `expected` is false unless the lab killed or stopped it. */
  onExit: (idx: number, expected: boolean, code: number | null, signal: string | null) => void
  log: (line: string) => void
  /** A program's message to a service (lin-kv, seq-kv, lww-kv, lin-tso); checked by the receiver. */
  onService?: (idx: number, msg: Obj) => void
  /** A program's executable (the ledger's name for its process). */
  programFile?: string
}

interface NodeProc {
  cp: ChildProcess
  pid: number
  ready: NodeReady | null
  paused: boolean
  /** The lab killed it (crash fault, teardown): its exit is not news. */
  expectExit: boolean
  /** What it reported as fatal (e.g. why its program did not start). */
  fatal: string | null
}

type Obj = Record<string, unknown>

/** Send `sig` to `pid`; false when it is gone. */
function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig)
    return true
  } catch {
    return false
  }
}
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null
const NODE_EVENT_KINDS = new Set(['state', 'log', 'apply', 'config', 'snapshot', 'send', 'deliver', 'node'])

/** Check a telemetry message from a node (a boundary like any other); null when malformed. */
function asTelemetry(m: Obj): NodeTelemetry | string {
  const events = decodeTraceBatch(m.batch)
  if (typeof events === 'string') return `tel.batch: ${events}`
  if (!Array.isArray(m.errors)) return 'tel.errors: not an array'
  for (let i = 0; i < events.length; i++) {
    const e: unknown = events[i]
    if (!isObj(e) || typeof e.kind !== 'string' || !NODE_EVENT_KINDS.has(e.kind) || typeof e.t !== 'number') {
      return `tel.events[${i}]: not a node trace event`
    }
  }
  if (typeof m.sent !== 'number' || typeof m.delivered !== 'number' || typeof m.rejected !== 'number')
    return 'tel.sent / tel.delivered / tel.rejected: not numbers'
  if (typeof m.lc !== 'number' || !Array.isArray(m.vc)) return 'tel.lc / tel.vc: malformed'
  if (m.status !== null) {
    const bad = checkNodeStatus(m.status, 'tel.status')
    if (bad) return bad
  }
  const { batch: _b, type: _t, ...rest } = m
  return { ...(rest as unknown as Omit<NodeTelemetry, 'events'>), events }
}

export class Cluster {
  readonly n: number
  private readonly procs: (NodeProc | null)[]
  private startNo = 0
  private flushSeq = 0
  private readonly flushWaiters = new Map<string, () => void>()
  /** The lab's last view of each node's clocks (a restarted node continues from them). */
  readonly lastLc: number[]
  readonly lastVc: number[][]
  private readonly entry: ChildEntry

  constructor(private readonly opts: ClusterOptions) {
    this.n = opts.n
    this.procs = new Array<NodeProc | null>(opts.n).fill(null)
    this.lastLc = new Array<number>(opts.n).fill(0)
    this.lastVc = Array.from({ length: opts.n }, () => new Array<number>(opts.n).fill(0))
    this.entry = opts.entry ?? resolveNodeEntry()
  }

  walPath(idx: number): string {
    return join(this.opts.dataDir, `n${idx + 1}.wal`)
  }

  isUp(idx: number): boolean {
    return this.procs[idx] !== null
  }

  isPaused(idx: number): boolean {
    return this.procs[idx]?.paused === true
  }

  pid(idx: number): number | null {
    return this.procs[idx]?.pid ?? null
  }

  /** Every live process of the nodes (node hosts and their programs). */
  pids(): number[] {
    const out: number[] = []
    for (const p of this.procs) {
      if (p !== null && p.pid > 0) out.push(p.pid)
      const prog = p?.ready?.programPid
      if (prog !== undefined) out.push(prog)
    }
    return out
  }

  ready(idx: number): NodeReady | null {
    return this.procs[idx]?.ready ?? null
  }

  /** Start node idx; resolves once it listens (and, if t0 is given, runs). */
  start(idx: number, mode: { fresh: boolean; afterCrash: boolean; t0: string | null }): Promise<NodeReady> {
    if (this.procs[idx] !== null) return Promise.reject(new Error(`n${idx + 1} is already running`))
    const cp = forkChild(this.entry, {
      onOutput: this.opts.log,
      ledger: this.opts.ledger && { ledger: this.opts.ledger, name: `n${idx + 1}` },
    })
    const proc: NodeProc = {
      cp,
      pid: cp.pid ?? 0,
      ready: null,
      paused: false,
      expectExit: false,
      fatal: null,
    }
    this.procs[idx] = proc
    const o = this.opts
    const seed = Math.floor(o.nodeRngs[idx].next() * 2 ** 32)
    const init: LabToNode = {
      type: 'init',
      idx,
      n: o.n,
      ...(o.voters !== undefined && o.voters < o.n ? { voters: o.voters } : {}),
      kind: o.kind,
      mutants: o.mutants ?? [],
      params: o.params,
      tickMs: o.tickMs,
      fsync: o.fsync,
      ...(o.writebackMs !== undefined ? { writebackMs: o.writebackMs } : {}),
      secret: o.secret,
      proxyPort: o.proxyPort,
      walPath: this.walPath(idx),
      t0: mode.t0,
      startNo: this.startNo++,
      seed,
      runSeed: o.runSeed,
      lc: this.lastLc[idx],
      vc: this.lastVc[idx].slice(),
      msgEvents: o.msgEvents,
      fresh: mode.fresh,
      afterCrash: mode.afterCrash,
      labPid: o.labPid ?? process.pid,
      telemetryMs: 20,
    }
    return new Promise<NodeReady>((resolve, reject) => {
      let settled = false
      const timer = setTimeout(() => {
        if (settled) return
        settled = true
        proc.expectExit = true
        cp.kill('SIGKILL')
        reject(new Error(`n${idx + 1} did not report ready within ${NODE_READY_TIMEOUT_MS} ms`))
      }, NODE_READY_TIMEOUT_MS)
      cp.on('message', (raw: unknown) => {
        if (!isObj(raw) || typeof raw.type !== 'string') {
          o.log(`lab: malformed message from n${idx + 1} ignored`)
          return
        }
        const m = raw as NodeToLab
        switch (m.type) {
          case 'ready':
            if (typeof m.clientPort !== 'number' || typeof m.peerPort !== 'number' || !isObj(m.recovery)) {
              o.log(`lab: malformed ready message from n${idx + 1} ignored`)
              return
            }
            proc.ready = { pid: m.pid, clientPort: m.clientPort, peerPort: m.peerPort, recovery: m.recovery }
            if (typeof m.programPid === 'number' && m.programPid > 0) {
              proc.ready.programPid = m.programPid
              this.opts.ledger?.addPid(m.programPid, `n${idx + 1}.program`, this.opts.programFile ?? '')
            }
            if (!settled) {
              settled = true
              clearTimeout(timer)
              resolve(proc.ready)
            }
            return
          case 'tel': {
            const t = asTelemetry(raw)
            if (typeof t === 'string') {
              o.log(`lab: telemetry from n${idx + 1} ignored: ${t}`)
              return
            }
            if (t.lc > this.lastLc[idx]) this.lastLc[idx] = t.lc
            if (t.vc.length === this.n) {
              const vc = this.lastVc[idx]
              for (let k = 0; k < vc.length; k++) if (t.vc[k] > vc[k]) vc[k] = t.vc[k]
            }
            o.onTelemetry(idx, t)
            return
          }
          case 'flushed': {
            const key = `${idx}:${m.seq}`
            const w = this.flushWaiters.get(key)
            if (w) {
              this.flushWaiters.delete(key)
              w()
            }
            return
          }
          case 'fatal':
            proc.fatal = String(m.error)
            o.log(`n${idx + 1}: fatal: ${proc.fatal}`)
            return
          case 'svc':
            if (!isObj(m.msg)) {
              o.log(`lab: malformed service message from n${idx + 1} ignored`)
              return
            }
            o.onService?.(idx, m.msg)
            return
          default:
            o.log(`lab: unknown message type from n${idx + 1} ignored`)
        }
      })
      cp.once('exit', (code, signal) => {
        clearTimeout(timer)
        if (this.procs[idx] === proc) this.procs[idx] = null
        for (const [key, w] of this.flushWaiters) if (key.startsWith(`${idx}:`)) w()
        this.endProgram(proc)
        if (!settled) {
          settled = true
          reject(
            new Error(
              proc.fatal !== null
                ? `n${idx + 1} did not start: ${proc.fatal.replace(/^init failed: /, '')}`
                : `n${idx + 1} exited before it was ready (code ${code}, signal ${signal})`,
            ),
          )
        }
        o.onExit(idx, proc.expectExit, code, signal)
      })
      cp.send(init)
    })
  }

  /** Tell every running node the run started (their clocks are relative to t0). */
  startAll(t0: string): void {
    for (let i = 0; i < this.n; i++) this.control(i, { type: 'start', t0 })
  }

  control(idx: number, m: LabToNode): boolean {
    const p = this.procs[idx]
    if (p === null || !p.cp.connected) return false
    try {
      p.cp.send(m)
      return true
    } catch {
      return false
    }
  }

  /** A program's pid goes with its node host: SIGKILL it (a no-op when it is gone). */
  private endProgram(p: NodeProc): void {
    const pid = p.ready?.programPid
    if (pid === undefined) return
    signal(pid, 'SIGKILL')
    this.opts.ledger?.removePid(pid)
  }

  /** SIGKILL node idx (a crash). Returns false if it was not running. */
  crash(idx: number): boolean {
    const p = this.procs[idx]
    if (p === null) return false
    p.expectExit = true
    this.endProgram(p)
    p.cp.kill('SIGKILL')
    // Forget it now: the slot is free for a restart even before 'exit' arrives.
    this.procs[idx] = null
    return true
  }

  private static checkSignals(): void {
    if (process.platform === 'win32') {
      throw new Error(
        'pause/resume needs SIGSTOP/SIGCONT, which Windows does not have: unavailable on Windows',
      )
    }
  }

  pause(idx: number): boolean {
    Cluster.checkSignals()
    const p = this.procs[idx]
    if (p === null || p.paused) return false
    const prog = p.ready?.programPid
    if (prog !== undefined) signal(prog, 'SIGSTOP')
    p.cp.kill('SIGSTOP')
    p.paused = true
    return true
  }

  resume(idx: number): boolean {
    Cluster.checkSignals()
    const p = this.procs[idx]
    if (p === null || !p.paused) return false
    p.cp.kill('SIGCONT')
    const prog = p.ready?.programPid
    if (prog !== undefined) signal(prog, 'SIGCONT')
    p.paused = false
    return true
  }

  /**
   * Ask every running, unpaused node for its buffered telemetry; resolves true when all
   * answered, false when one did not within timeoutMs.
   */
  flushAll(timeoutMs = 2000): Promise<boolean> {
    const waits: Promise<boolean>[] = []
    for (let i = 0; i < this.n; i++) {
      const p = this.procs[i]
      if (p === null || p.paused || p.ready === null) continue
      const seq = ++this.flushSeq
      const key = `${i}:${seq}`
      waits.push(
        new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => {
            this.flushWaiters.delete(key)
            resolve(false)
          }, timeoutMs)
          this.flushWaiters.set(key, () => {
            clearTimeout(timer)
            resolve(true)
          })
          if (!this.control(i, { type: 'flush', seq })) {
            clearTimeout(timer)
            this.flushWaiters.delete(key)
            resolve(true) // the node is gone: nothing more will come
          }
        }),
      )
    }
    return Promise.all(waits).then((all) => all.every((ok) => ok))
  }

  /**
   * End every node process: ask it to exit (it closes its WAL), SIGKILL it if it has not
   * within `graceMs` (a paused node at once); resolves when all exited.
   */
  stopAll(graceMs = 1000): Promise<void> {
    const waits: Promise<void>[] = []
    for (let i = 0; i < this.n; i++) {
      const p = this.procs[i]
      if (p === null) continue
      p.expectExit = true
      waits.push(
        new Promise<void>((resolve) => {
          if (p.cp.exitCode !== null || p.cp.signalCode !== null) return resolve()
          const timer = setTimeout(() => p.cp.kill('SIGKILL'), p.paused ? 0 : graceMs)
          if (p.paused) this.endProgram(p)
          p.cp.once('exit', () => {
            clearTimeout(timer)
            this.endProgram(p)
            resolve()
          })
          if (!p.paused) this.control(i, { type: 'exit' })
        }),
      )
    }
    return Promise.all(waits).then(() => undefined)
  }
}
