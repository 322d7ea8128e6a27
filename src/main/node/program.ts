// A program speaking Maelstrom's node protocol, run by its node process (host.ts) as a child:
// messages are JSON lines on its stdin and stdout, its stderr is kept (capped, see
// src/core/maelstrom/stderr.ts). At boot it gets `init` {node_id, node_ids} and must answer
// init_ok within the spec's initTimeoutMs. Each stdout line is checked: a line that is not a
// message, or longer than MAX_LINE_BYTES, is reported and counted, and the program keeps
// running. The program's working directory and environment come from the spec; the lab adds
// MAELSTROM_DATA_DIR, a directory of its own that survives its crashes (the run's folder).
import { corkForTurn } from './turn-cork'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { StderrTail, stderrHint } from '../../core/maelstrom/stderr'
import { parseJson, toJson } from '../../core/maelstrom/json'
import type { MaelstromMessage } from '../../core/maelstrom/types'
import { messageProblem } from '../../core/maelstrom/validate'
import type { ProgramParams } from '../../shared/spec'
import { LineReader } from './lines'

/** Longest stdout line (one message) a program may write, bytes (the frame limit is far above). */
export const MAX_LINE_BYTES = 1024 * 1024
/** The environment variable naming a node's own data directory. */
export const DATA_DIR_ENV = 'MAELSTROM_DATA_DIR'
/** The init message's msg_id and sender (Maelstrom's controller is c0). */
const INIT_MSG_ID = 1
const INIT_SRC = 'c0'

export interface ProgramEvents {
  /** A well-formed message the program wrote (not its init_ok). */
  message(m: MaelstromMessage): void
  /** A problem with its output, in words (the node reports it to the lab). */
  problem(why: string): void
  /** Text it wrote on stderr. */
  stderr(text: string): void
  /** It exited (not killed by close()). */
  exit(code: number | null, signal: string | null): void
}

export class ProgramProcess {
  private cp: ChildProcess | null = null
  readonly tail = new StderrTail()
  private closing = false
  private initDone = false
  /** stdout lines that were not messages (or too long), since boot. */
  badLines = 0

  constructor(
    private readonly id: string,
    private readonly ids: readonly string[],
    private readonly params: ProgramParams,
    private readonly dataDir: string,
    private readonly on: ProgramEvents,
  ) {}

  get pid(): number | null {
    return this.cp?.pid ?? null
  }

  /** Start the program and complete the init handshake; rejects with a readable reason. */
  boot(): Promise<void> {
    mkdirSync(this.dataDir, { recursive: true })
    const [file, ...args] = this.params.command
    const cwd = this.params.cwd
    if (cwd !== undefined && !existsSync(cwd))
      return Promise.reject(new Error(`algorithm.params.cwd: no such directory ${JSON.stringify(cwd)}`))
    const what = `algorithm.params.command ${JSON.stringify(this.params.command)}`
    return new Promise<void>((resolve, reject) => {
      let settled = false
      const fail = (why: string): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        this.kill()
        reject(new Error(why))
      }
      const timer = setTimeout(
        () =>
          fail(
            `${this.id} did not answer init with init_ok within ${this.params.initTimeoutMs} ms (${what}).${stderrHint(this.tail)}`,
          ),
        this.params.initTimeoutMs,
      )
      let cp: ChildProcess
      try {
        cp = spawn(file, args, {
          cwd: this.params.cwd,
          env: { ...process.env, ...this.params.env, [DATA_DIR_ENV]: this.dataDir },
          stdio: ['pipe', 'pipe', 'pipe'],
          // Its own process group: a terminal's Ctrl-C (sent to the lab's whole group) does not
          // kill it; the lab ends it with its node.
          detached: true,
        })
      } catch (e) {
        fail(`${what}: cannot start it: ${(e as Error).message}`)
        return
      }
      this.cp = cp
      cp.on('error', (e: NodeJS.ErrnoException) => {
        const why =
          e.code === 'ENOENT'
            ? `not found (no such file${file.includes('/') ? '' : ' on PATH'}${this.params.cwd ? `, cwd ${this.params.cwd}` : ''})`
            : e.code === 'EACCES'
              ? 'not executable (permission denied)'
              : e.message
        fail(`${what}: cannot run ${JSON.stringify(file)}: ${why}`)
      })
      cp.stdin?.on('error', () => {}) // EPIPE after it exited: its exit is reported instead
      cp.stderr?.setEncoding('utf8')
      cp.stderr?.on('data', (text: string) => {
        this.tail.append(text)
        this.on.stderr(text)
      })
      const lines = new LineReader(
        MAX_LINE_BYTES,
        (line, no) =>
          this.onLine(line, no, (m) => {
            if (!this.initDone && m.body.in_reply_to === INIT_MSG_ID && m.dest === INIT_SRC) {
              if (m.body.type !== 'init_ok') {
                fail(
                  `${this.id} answered init with ${JSON.stringify(m.body)} instead of init_ok.${stderrHint(this.tail)}`,
                )
                return
              }
              this.initDone = true
              settled = true
              clearTimeout(timer)
              resolve()
              return
            }
            this.on.message(m)
          }),
        (bytes, no) => {
          this.badLines++
          this.on.problem(`stdout line ${no} is ${bytes} bytes, over the limit of ${MAX_LINE_BYTES}: dropped`)
        },
      )
      cp.stdout?.on('data', (chunk: Buffer) => lines.push(chunk))
      cp.on('exit', (code, signal) => {
        if (!settled) {
          fail(
            `${this.id}'s program exited (code ${code}, signal ${signal}) before answering init (${what}).${stderrHint(this.tail)}`,
          )
          return
        }
        if (!this.closing) this.on.exit(code, signal)
      })
      this.write({
        src: INIT_SRC,
        dest: this.id,
        body: { type: 'init', msg_id: INIT_MSG_ID, node_id: this.id, node_ids: [...this.ids] },
      })
    })
  }

  private onLine(line: string, no: number, ok: (m: MaelstromMessage) => void): void {
    let m: unknown
    try {
      m = parseJson(line)
    } catch (e) {
      this.badLines++
      this.on.problem(`stdout line ${no} is not JSON (${(e as Error).message}): ${excerpt(line)}`)
      return
    }
    const bad = messageProblem(m)
    if (bad !== null) {
      this.badLines++
      this.on.problem(`stdout line ${no} is not a Maelstrom message (${bad}): ${excerpt(line)}`)
      return
    }
    const msg = m as MaelstromMessage
    if (msg.src !== this.id) {
      this.badLines++
      this.on.problem(`stdout line ${no} has src ${JSON.stringify(msg.src)}, not ${this.id}: dropped`)
      return
    }
    ok(msg)
  }

  /**
   * Hand the program a message (one JSON line on its stdin); the lines of one turn of the
   * event loop (e.g. every message of a socket chunk) leave in one write.
   */
  write(m: MaelstromMessage): void {
    const stdin = this.cp?.stdin
    if (!stdin || stdin.destroyed) return
    corkForTurn(stdin)
    stdin.write(`${toJson(m)}\n`)
  }

  /** SIGKILL the program (its node is closing or crashing). */
  kill(): void {
    this.closing = true
    const cp = this.cp
    if (cp !== null && cp.exitCode === null && cp.signalCode === null) {
      try {
        cp.kill('SIGKILL')
      } catch {
        // already gone
      }
    }
  }
}

/** A line as shown in an error: at most 200 characters. */
function excerpt(line: string): string {
  return line.length > 200
    ? `${JSON.stringify(line.slice(0, 200))}... (${line.length} characters)`
    : JSON.stringify(line)
}
