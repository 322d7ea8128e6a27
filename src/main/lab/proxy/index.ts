// Lab side of the proxy: forks the proxy process and talks to it over IPC.
import type { ChildProcess } from 'node:child_process'
import type { TraceEvent } from '../../../shared/trace'
import type { ChildLedger } from '../cluster/ledger'
import { forkChild, resolveProxyEntry, type ChildEntry } from '../cluster/spawn'
import type { LabToProxy, LinkRule, LinkStats, ProxyToLab } from './control'
import { decodeTraceBatch } from '../../node/trace-batch'

export type { LinkRule, LinkStats } from './control'
export { CLEAN_RULE, isClean } from './control'

export interface ProxyOptions {
  n: number
  kind: string
  secret: string
  seed: number
  msgEvents: boolean
  labPid?: number
  entry?: ChildEntry
  /** The run's record of its child processes. */
  ledger?: ChildLedger
  /** Drop / duplicate events and counts, as batched by the proxy. */
  onEvents: (
    events: TraceEvent[],
    counts: { dropped: number; duplicated: number; forwarded: number; received: number; rejected: number },
  ) => void
  log: (line: string) => void
  /** The proxy process ended (unexpectedly unless close() was called). */
  onExit?: (code: number | null, signal: string | null) => void
}

type Waiter<T> = { resolve: (v: T) => void; timer: NodeJS.Timeout }

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null

export class ProxyController {
  readonly pid: number
  private closed = false
  private seq = 0
  private readonly statsWaiters = new Map<number, Waiter<LinkStats | null>>()
  private readonly flushWaiters = new Map<number, Waiter<boolean>>()

  private constructor(
    private readonly cp: ChildProcess,
    readonly port: number,
    private readonly opts: ProxyOptions,
  ) {
    this.pid = cp.pid ?? 0
  }

  static start(opts: ProxyOptions): Promise<ProxyController> {
    const entry = opts.entry ?? resolveProxyEntry()
    const cp = forkChild(entry, {
      onOutput: opts.log,
      ledger: opts.ledger && { ledger: opts.ledger, name: 'proxy' },
    })
    return new Promise((resolve, reject) => {
      let ctl: ProxyController | null = null
      const timer = setTimeout(() => {
        cp.kill('SIGKILL')
        reject(new Error('the proxy did not start within 30 s'))
      }, 30_000)
      cp.on('message', (raw: unknown) => {
        if (!isObj(raw) || typeof raw.type !== 'string') {
          opts.log(`lab: malformed message from the proxy ignored`)
          return
        }
        const m = raw as ProxyToLab
        if (ctl === null) {
          if (m.type === 'listening' && typeof m.port === 'number') {
            clearTimeout(timer)
            ctl = new ProxyController(cp, m.port, opts)
            resolve(ctl)
          }
          return
        }
        ctl.onMessage(m)
      })
      cp.once('exit', (code, signal) => {
        clearTimeout(timer)
        if (ctl === null)
          reject(new Error(`the proxy exited before listening (code ${code}, signal ${signal})`))
        else ctl.onExit(code, signal)
      })
      const init: LabToProxy = {
        type: 'init',
        n: opts.n,
        kind: opts.kind,
        secret: opts.secret,
        seed: opts.seed,
        msgEvents: opts.msgEvents,
        labPid: opts.labPid ?? process.pid,
        eventsMs: 20,
      }
      cp.send(init)
    })
  }

  private onMessage(m: ProxyToLab): void {
    switch (m.type) {
      case 'events': {
        const events = decodeTraceBatch(m.batch)
        if (typeof events === 'string' || !Array.isArray(m.errors)) {
          this.opts.log(
            `lab: malformed events message from the proxy ignored (${typeof events === 'string' ? events : 'errors: not an array'})`,
          )
          return
        }
        for (const e of m.errors) this.opts.log(String(e))
        this.opts.onEvents(events, {
          dropped: Number(m.dropped) || 0,
          duplicated: Number(m.duplicated) || 0,
          forwarded: Number(m.forwarded) || 0,
          received: Number(m.received) || 0,
          rejected: Number(m.rejected) || 0,
        })
        return
      }
      case 'stats': {
        const w = this.statsWaiters.get(m.seq)
        if (w) {
          this.statsWaiters.delete(m.seq)
          clearTimeout(w.timer)
          w.resolve({
            n: m.n,
            frames: m.frames,
            bytes: m.bytes,
            forwarded: m.forwarded,
            dropped: m.dropped,
            duplicated: m.duplicated,
          })
        }
        return
      }
      case 'flushed': {
        const w = this.flushWaiters.get(m.seq)
        if (w) {
          this.flushWaiters.delete(m.seq)
          clearTimeout(w.timer)
          w.resolve(true)
        }
        return
      }
      default:
        return
    }
  }

  private onExit(code: number | null, signal: string | null): void {
    const wasClosed = this.closed
    this.closed = true
    for (const w of this.statsWaiters.values()) {
      clearTimeout(w.timer)
      w.resolve(null)
    }
    for (const w of this.flushWaiters.values()) {
      clearTimeout(w.timer)
      w.resolve(false)
    }
    this.statsWaiters.clear()
    this.flushWaiters.clear()
    if (!wasClosed) this.opts.onExit?.(code, signal)
  }

  private post(m: LabToProxy): void {
    if (this.closed || !this.cp.connected) return
    try {
      this.cp.send(m)
    } catch {
      // channel closing
    }
  }

  start(t0: string): void {
    this.post({ type: 'start', t0 })
  }

  setNode(idx: number, port: number | null, state: 'up' | 'down' | 'paused'): void {
    this.post({ type: 'node', idx, port, state })
  }

  setRules(rules: LinkRule[]): void {
    this.post({ type: 'rules', rules })
  }

  setPids(pids: number[]): void {
    this.post({ type: 'pids', pids })
  }

  /** Per-link counters (null if the proxy is gone). */
  stats(timeoutMs = 5000): Promise<LinkStats | null> {
    if (this.closed) return Promise.resolve(null)
    const seq = ++this.seq
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.statsWaiters.delete(seq)
        resolve(null)
      }, timeoutMs)
      this.statsWaiters.set(seq, { resolve, timer })
      this.post({ type: 'stats', seq })
    })
  }

  /**
   * Ask for every buffered event now; resolves once they arrived (false: proxy gone / timeout).
   * `halt`: the run is over: from here the proxy forwards and records nothing.
   */
  flush(timeoutMs = 2000, halt = false): Promise<boolean> {
    if (this.closed) return Promise.resolve(false)
    const seq = ++this.seq
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.flushWaiters.delete(seq)
        resolve(false)
      }, timeoutMs)
      this.flushWaiters.set(seq, { resolve, timer })
      this.post(halt ? { type: 'flush', seq, halt } : { type: 'flush', seq })
    })
  }

  /** Stop the proxy (SIGKILL if it does not exit promptly). */
  close(): Promise<void> {
    if (this.cp.exitCode !== null || this.cp.signalCode !== null) {
      this.closed = true
      return Promise.resolve()
    }
    this.post({ type: 'exit' })
    this.closed = true
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.cp.kill('SIGKILL'), 1000)
      this.cp.once('exit', () => {
        clearTimeout(timer)
        resolve()
      })
    })
  }
}
