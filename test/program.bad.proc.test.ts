// Bad programs get clear errors, the lab keeps running, nothing recorded is lost (issue 14):
// every case runs a real program as a real node process.
import { chmodSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ProcessRun } from '../src/main/lab/processes'
import type { RunSummary } from '../src/shared/api'
import { startRun, tempDir } from './proc.helpers'

const tmp = tempDir('ql-program-bad-')
afterAll(() => tmp.cleanup())

/** Write a Python node: `onEcho` is the body of the echo handler (b: the body, m: the message). */
function pythonNode(name: string, lines: string[]): string {
  const file = join(tmp.dir, name)
  writeFileSync(
    file,
    [
      'import json, sys',
      'me = None; seen = 0',
      'def out(dest, body): print(json.dumps({"src": me, "dest": dest, "body": body}), flush=True)',
      'for line in sys.stdin:',
      '    m = json.loads(line); b = m["body"]',
      '    if b["type"] == "init":',
      '        me = b["node_id"]; out(m["src"], {"type": "init_ok", "in_reply_to": b["msg_id"]}); continue',
      '    seen += 1',
      ...lines.map((l) => `    ${l}`),
      '    out(m["src"], {"type": "echo_ok", "echo": b["echo"], "in_reply_to": b["msg_id"]})',
    ].join('\n'),
  )
  return file
}

const echoSpec = (command: string[], extra: Record<string, unknown> = {}) => ({
  name: 'bad-program',
  algorithm: { kind: 'program' as const, params: { command, ...extra } },
  cluster: { nodes: 2 },
  durationMs: 1500,
  workload: { kind: 'echo' as const, clients: 2, ratePerSec: 60, timeoutMs: 400 },
})

async function startFails(command: string[], extra: Record<string, unknown> = {}): Promise<string> {
  try {
    const run = await startRun(echoSpec(command, extra), { dataDir: join(tmp.dir, `fail-${Math.random()}`) })
    run.stop()
    await run.whenDone()
  } catch (e) {
    return (e as Error).message
  }
  throw new Error('the run started')
}

describe('a program that cannot start', () => {
  it('names algorithm.params.command when the command is not found', async () => {
    const why = await startFails(['no-such-program-ql14'])
    expect(why).toContain('algorithm.params.command')
    expect(why).toContain('"no-such-program-ql14": not found')
  })

  it('names algorithm.params.command when the file is not executable', async () => {
    const file = join(tmp.dir, 'not-executable.py')
    writeFileSync(file, 'print("hi")\n')
    chmodSync(file, 0o644)
    const why = await startFails([file])
    expect(why).toContain('algorithm.params.command')
    expect(why).toContain('not executable')
  })

  it('names algorithm.params.cwd when the directory does not exist', async () => {
    const why = await startFails(['python3', 'x.py'], { cwd: join(tmp.dir, 'no-such-dir') })
    expect(why).toContain('algorithm.params.cwd: no such directory')
  })

  it('names the node and shows its last stderr lines when init is never answered', async () => {
    const file = join(tmp.dir, 'mute.py')
    writeFileSync(
      file,
      'import sys, time\nprint("warming up the flux capacitor", file=sys.stderr, flush=True)\ntime.sleep(30)\n',
    )
    const why = await startFails(['python3', file], { initTimeoutMs: 2000 })
    expect(why).toMatch(/n[12] did not answer init with init_ok within 2000 ms/)
    expect(why).toContain('warming up the flux capacitor')
  })
})

describe('a program that misbehaves while running', () => {
  let run: ProcessRun
  let s: RunSummary
  beforeAll(async () => {
    const file = pythonNode('misbehaves.py', [
      'if seen == 1:',
      '    print("hello, I am not JSON", flush=True)',
      '    out("n9", {"type": "gossip"})',
      '    print(json.dumps({"src": me, "dest": "n1", "body": {"type": "big", "pad": "x" * 1100000}}), flush=True)',
      '    out(m["src"], {"type": "echo_ok", "echo": b["echo"], "in_reply_to": b["msg_id"] + 1000})',
    ])
    run = await startRun(echoSpec(['python3', file]), { dataDir: join(tmp.dir, 'misbehaves') })
    await run.whenDone()
    s = run.summary(0)
  }, 30_000)
  const problems = (): string[] => [...(s.program?.problems.n1 ?? []), ...(s.program?.problems.n2 ?? [])]

  it('keeps running and answering after every problem below', () => {
    expect(s.ops.ok).toBeGreaterThan(10)
    expect(s.checks[0]).toMatchObject({ name: 'echo', ok: true })
  })

  it('shows and counts a stdout line that is not JSON', () => {
    const bad = problems().filter((p) => p.includes('is not JSON'))
    expect(bad.length).toBe(2) // one per node
    expect(bad[0]).toContain('"hello, I am not JSON"')
  })

  it('reports a message to an unknown node', () => {
    expect(problems().some((p) => p.includes('message to "n9" dropped: no such node'))).toBe(true)
  })

  it('reports a line over the size cap', () => {
    expect(problems().some((p) => /is 11000[0-9]{2} bytes, over the limit of 1048576: dropped/.test(p))).toBe(
      true,
    )
  })

  it('reports a reply to an unknown msg_id', () => {
    expect(problems().some((p) => /in_reply_to [0-9]+, which matches no open request/.test(p))).toBe(true)
  })
})

describe('a program that exits by itself', () => {
  it('is recorded as a crash with its exit code and stderr tail; the run goes on', async () => {
    const file = pythonNode('exits.py', [
      'if seen == 3 and me == "n2":',
      '    print("giving up: out of coffee", file=sys.stderr, flush=True); sys.exit(3)',
    ])
    const run = await startRun(echoSpec(['python3', file]), { dataDir: join(tmp.dir, 'exits') })
    await run.whenDone()
    const s = run.summary(0)
    expect(run.trace().some((e) => e.kind === 'node' && e.action === 'crash' && e.node === 'n2')).toBe(true)
    const why = (s.program?.problems.n2 ?? []).join('\n')
    expect(why).toContain('program exited by itself (code 3')
    expect(why).toContain('giving up: out of coffee')
    expect(s.program?.stderr.n2.text).toContain('out of coffee')
    expect(s.ops.ok).toBeGreaterThan(10) // n1 kept answering
  })
})
