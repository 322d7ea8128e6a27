// Programs speaking Maelstrom's node protocol, run for real: each node a child process of its
// node host, every node-to-node message through the lab's proxy, clients over TCP.
import { readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { processAlive } from '../src/main/node/orphan'
import type { SendEvent } from '../src/shared/trace'
import type { MaelstromService } from '../src/core/maelstrom/types'
import { startRun, tempDir, until } from './proc.helpers'

const tmp = tempDir('ql-program-')
afterAll(() => tmp.cleanup())
const EXAMPLES = resolve('examples/programs')

/** A tiny echo node in Python, written here (the protocol in a dozen lines). */
function echoProgram(): string {
  const file = join(tmp.dir, 'echo.py')
  writeFileSync(
    file,
    [
      'import json, sys',
      'me = None',
      'for line in sys.stdin:',
      '    m = json.loads(line); b = m["body"]',
      '    if b["type"] == "init":',
      '        me = b["node_id"]; r = {"type": "init_ok"}',
      '        print("echo node " + me + " up", file=sys.stderr, flush=True)',
      '    elif b["type"] == "echo":',
      '        r = {"type": "echo_ok", "echo": b["echo"]}',
      '    else:',
      '        continue',
      '    r["in_reply_to"] = b["msg_id"]',
      '    print(json.dumps({"src": me, "dest": m["src"], "body": r}), flush=True)',
    ].join('\n'),
  )
  return file
}

/** Python lines of a node program: `init` answered; then `handlers` (elif branches on b["type"], or else). */
interface PyNode {
  /** More globals after `me = None`. */
  globals?: string
  /** Functions, at the top level. */
  defs?: string[]
  /** Lines run after init_ok is sent (8 spaces in). */
  onInit?: string[]
  /** The branches after the init one (4 spaces in: `elif ...:` / `else: ...`). */
  handlers: string[]
}

/** Write a Python node program into the temp folder; returns its path. */
function pyNode(name: string, p: PyNode): string {
  const file = join(tmp.dir, `${name}.py`)
  const lines = [
    'import json, sys',
    `me = None${p.globals ? `; ${p.globals}` : ''}`,
    'def out(dest, body): print(json.dumps({"src": me, "dest": dest, "body": body}), flush=True)',
    ...(p.defs ?? []),
    'for line in sys.stdin:',
    '    m = json.loads(line); b = m["body"]',
    '    if b["type"] == "init":',
    '        me = b["node_id"]; out(m["src"], {"type": "init_ok", "in_reply_to": b["msg_id"]})',
    ...(p.onInit ?? []),
    ...p.handlers,
  ]
  writeFileSync(file, lines.join('\n'))
  return file
}

/** Run program `file` on `nodes` nodes for `durationMs` with `workload`, to its end. */
async function runToEnd(name: string, file: string, nodes: number, durationMs: number, workload: object) {
  const run = await startRun(
    {
      name,
      algorithm: { kind: 'program', params: { command: ['python3', file] } },
      cluster: { nodes },
      durationMs,
      workload,
    },
    { dataDir: join(tmp.dir, name) },
  )
  await run.whenDone()
  return run
}

describe('programs in processes mode', () => {
  it('runs an echo program: init, requests over TCP, replies checked, stderr kept, every process gone at the end', async () => {
    const dataDir = join(tmp.dir, 'echo')
    const run = await startRun(
      {
        name: 'echo',
        algorithm: { kind: 'program', params: { command: ['python3', echoProgram()] } },
        cluster: { nodes: 3 },
        durationMs: 1500,
        workload: { kind: 'echo', clients: 3, ratePerSec: 100, timeoutMs: 500 },
      },
      { dataDir },
    )
    const pids = [...run.pids().nodes, ...run.pids().programs]
    expect(run.pids().programs.every((p) => p !== null && processAlive(p))).toBe(true)
    await run.whenDone()
    const s = run.summary(0)
    expect(s.ops.ok).toBeGreaterThan(20)
    expect(s.checks.map((c) => [c.name, c.ok])).toEqual([['echo', true]])
    expect(s.program?.stderr.n1.text).toContain('echo node n1 up')
    expect(s.program?.stderrCapBytes).toBe(64 * 1024)
    const ops = run.trace().filter((e) => e.kind === 'op' && e.phase === 'ok')
    expect(ops[0]).toMatchObject({ f: 'call', key: 'echo' })
    // SIGKILL is delivered asynchronously; a killed program is reaped by init a moment later.
    await until(() => pids.every((pid) => pid !== null && !isRunning(pid)), 'every process gone', 5000)
  })

  it('runs the forwarding lin-kv example (Python) under a partition and a crash-restart: linearizable, messages traced with bodies', async () => {
    const dataDir = join(tmp.dir, 'forward')
    const run = await startRun(
      {
        name: 'lin-kv-forward',
        algorithm: {
          kind: 'program',
          params: { command: ['python3', 'lin_kv_forward.py'], cwd: EXAMPLES },
        },
        cluster: { nodes: 3 },
        // The restart is recorded once the new node host and program are up (about 0.5 s here,
        // several seconds on a busy machine: CI runs other process tests alongside), so the
        // crash comes early and the run leaves 3.8 s for it.
        durationMs: 5500,
        workload: { kind: 'lin-kv', clients: 4, ratePerSec: 150, keys: 3, timeoutMs: 400 },
        faults: [
          { atMs: 500, forMs: 800, kind: 'partition', shape: 'isolate', target: 'n2' },
          { atMs: 1400, kind: 'crash', target: 'n3', restartAfterMs: 300 },
        ],
      },
      { dataDir },
    )
    await run.whenDone()
    const s = run.summary(0)
    const trace = run.trace()
    expect(s.ops.ok).toBeGreaterThan(50)
    expect(s.checks.map((c) => [c.name, c.verdict])).toEqual([['linearizability', 'ok']])
    const sends = trace.filter((e): e is SendEvent => e.kind === 'send')
    expect(sends.length).toBeGreaterThan(10)
    expect(sends.some((e) => e.type === 'write' && e.summary.includes('"key"'))).toBe(true)
    expect(trace.some((e) => e.kind === 'drop' && e.reason === 'partition')).toBe(true)
    expect(trace.some((e) => e.kind === 'node' && e.action === 'crash' && e.node === 'n3')).toBe(true)
    expect(trace.some((e) => e.kind === 'node' && e.action === 'restart' && e.node === 'n3')).toBe(true)
    expect(s.program?.stderr.n3.text.match(/n3: home is n1/g)?.length).toBe(2) // a fresh init after the restart
  })

  it('catches the broken lin-kv example (JavaScript, reads from a local copy) under a partition', async () => {
    const dataDir = join(tmp.dir, 'local-reads')
    const run = await startRun(
      {
        name: 'lin-kv-local-reads',
        algorithm: {
          kind: 'program',
          params: { command: [process.execPath, 'lin_kv_local_reads.mjs'], cwd: EXAMPLES },
        },
        cluster: { nodes: 3 },
        durationMs: 3000,
        workload: {
          kind: 'lin-kv',
          clients: 4,
          ratePerSec: 200,
          keys: 2,
          timeoutMs: 400,
          mix: { read: 0.6, write: 0.4, cas: 0 },
        },
        faults: [{ atMs: 500, forMs: 2000, kind: 'partition', shape: 'isolate', target: 'n2' }],
      },
      { dataDir },
    )
    await run.whenDone()
    const [lin] = run.summary(0).checks
    expect(lin.name).toBe('linearizability')
    expect(lin.verdict).toBe('violation')
    expect(lin.counterexample?.explanation).toMatch(/read/)
    console.log(`broken lin-kv caught: ${lin.details[0]}`)
  })
})

/** Alive and not a zombie waiting to be reaped. */
function isRunning(pid: number): boolean {
  if (!processAlive(pid)) return false
  try {
    return procState(pid) !== 'Z'
  } catch {
    return false
  }
}

/** The state letter of a process (/proc/PID/stat field 3): T when stopped. */
function procState(pid: number): string {
  return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '')[0]
}

describe('programs: pause and services', () => {
  it('pauses a node with its program (SIGSTOP both) and continues both', async () => {
    const run = await startRun(
      {
        name: 'echo-pause',
        algorithm: { kind: 'program', params: { command: ['python3', echoProgram()] } },
        cluster: { nodes: 2 },
        durationMs: 2500,
        workload: { kind: 'echo', clients: 2, ratePerSec: 50, timeoutMs: 300 },
        faults: [{ kind: 'pause', atMs: 300, forMs: 1200, target: 'n2' }],
      },
      { dataDir: join(tmp.dir, 'pause') },
    )
    const prog = run.pids().programs[1] as number
    const host = run.pids().nodes[1] as number
    await until(() => run.nowMs() > 700, 'the pause')
    expect([procState(prog), procState(host)]).toEqual(['T', 'T'])
    await until(() => run.nowMs() > 1900, 'the resume')
    expect(procState(prog)).not.toBe('T')
    await run.whenDone()
    const s = run.summary(0)
    expect(s.checks[0].ok).toBe(true)
    expect(s.ops.info).toBeGreaterThan(0) // requests to the paused node timed out
  })

  it('delivers what a program sends its peers as soon as it answered init (before every node did), after their own init', async () => {
    const file = pyNode('hello', {
      onInit: [
        '        for peer in b["node_ids"]:',
        '            if peer != me: out(peer, {"type": "hello"})',
      ],
      handlers: [
        '    elif b["type"] == "hello":',
        '        print("hello from " + m["src"] + (" before init" if me is None else ""), file=sys.stderr, flush=True)',
        '    elif b["type"] == "echo":',
        '        out(m["src"], {"type": "echo_ok", "echo": b["echo"], "in_reply_to": b["msg_id"]})',
      ],
    })
    const run = await runToEnd('hello', file, 3, 1000, {
      kind: 'echo',
      clients: 1,
      ratePerSec: 20,
      timeoutMs: 500,
    })
    const s = run.summary(0)
    const stderr = s.program?.stderr ?? {}
    for (const [me, peers] of [
      ['n1', ['n2', 'n3']],
      ['n2', ['n1', 'n3']],
      ['n3', ['n1', 'n2']],
    ] as const) {
      const text = stderr[me]?.text ?? ''
      for (const p of peers) expect(text, `${me}'s stderr`).toContain(`hello from ${p}\n`)
      expect(text).not.toContain('before init')
    }
    expect(s.messages.delivered).toBe(6)
    expect(s.messages.dropped).toBe(0)
  })

  it('carries a reply from a node the client never wrote to (the request was forwarded there)', async () => {
    const file = pyNode('forward-counter', {
      globals: 'last = None; total = 0',
      defs: [
        'def answer(client, req):',
        '    global total',
        '    if req["type"] == "add": total += req["delta"]; r = {"type": "add_ok"}',
        '    else: r = {"type": "read_ok", "value": total}',
        '    r["in_reply_to"] = req["msg_id"]; out(client, r)',
      ],
      onInit: ['        last = b["node_ids"][-1]'],
      handlers: [
        '    elif b["type"] == "fwd": answer(b["client"], b["req"])',
        '    elif me != last: out(last, {"type": "fwd", "client": m["src"], "req": b})',
        '    else: answer(m["src"], b)',
      ],
    })
    // Two clients on three nodes (client k talks to node k): no client writes to n3, the node
    // that answers every op, until the final reads.
    const workload = { kind: 'g-counter', clients: 2, ratePerSec: 40, timeoutMs: 400 }
    const run = await runToEnd('forward-counter', file, 3, 2000, workload)
    const s = run.summary(0)
    expect(s.ops.ok).toBeGreaterThan(10)
    expect(s.ops.info).toBeLessThanOrEqual(2) // the last ones may meet the end
    expect(s.checks.map((c) => [c.name, c.verdict])).toEqual([[s.checks[0].name, 'ok']])
  })

  it('keeps 64-bit integers exact: snowflake-style unique ids past 2^53 that differ in their low bits stay distinct', async () => {
    const file = pyNode('snowflake', {
      globals: 'seq = 0',
      handlers: [
        '    elif b["type"] == "generate":',
        // One fixed millisecond, the node's number, a sequence: ids 1 apart, far past 2^53.
        '        seq += 1; i = (1796000000000 << 22) | (int(me[1:]) << 12) | seq',
        '        out(m["src"], {"type": "generate_ok", "id": i, "in_reply_to": b["msg_id"]})',
      ],
    })
    const run = await runToEnd('snowflake', file, 2, 1000, {
      kind: 'unique-ids',
      clients: 2,
      ratePerSec: 60,
      timeoutMs: 500,
    })
    const s = run.summary(0)
    expect(s.ops.ok).toBeGreaterThan(10)
    expect(s.checks.map((c) => [c.verdict, c.details[0]])).toEqual([
      ['ok', `${s.ops.ok} acknowledged ids judged`],
    ])
    // The trace shows each id with the digits the program wrote.
    const first = run.trace().find((e) => e.kind === 'op' && e.phase === 'ok')
    expect(first?.kind === 'op' ? first.value : '').toMatch(/"id":75329\d{14}/)
  })

  it('routes a message to a service name to the service the lab hosts, and answers not-supported for one it lacks', async () => {
    const file = join(tmp.dir, 'svc.py')
    writeFileSync(
      file,
      [
        'import json, sys',
        'me = None; waiting = {}; n = 0',
        'def out(dest, body): print(json.dumps({"src": me, "dest": dest, "body": body}), flush=True)',
        'for line in sys.stdin:',
        '    m = json.loads(line); b = m["body"]',
        '    if b["type"] == "init":',
        '        me = b["node_id"]; out(m["src"], {"type": "init_ok", "in_reply_to": b["msg_id"]})',
        '    elif b["type"] == "echo":',
        '        n += 1; waiting[n] = m',
        '        out("lin-kv", {"type": "write", "key": "last", "value": b["echo"], "msg_id": n})',
        '        out("seq-kv", {"type": "read", "key": "x", "msg_id": 100000 + n})',
        '    elif b.get("in_reply_to") in waiting:',
        '        req = waiting.pop(b["in_reply_to"])',
        '        out(req["src"], {"type": "echo_ok", "echo": req["body"]["echo"], "in_reply_to": req["body"]["msg_id"]})',
        '    elif b["type"] == "error":',
        '        print("service said: " + b["text"], file=sys.stderr, flush=True)',
      ].join('\n'),
    )
    const writes: unknown[] = []
    // A stand-in lin-kv for this test only (the lab's services are src/core/maelstrom's).
    const linKv: MaelstromService = {
      name: 'lin-kv',
      handle: (src, body) => {
        writes.push([src, body.type, body.key, body.value])
        return { type: 'write_ok' }
      },
    }
    const run = await startRun(
      {
        name: 'echo-via-service',
        algorithm: { kind: 'program', params: { command: ['python3', file] } },
        cluster: { nodes: 2 },
        durationMs: 1200,
        workload: { kind: 'echo', clients: 2, ratePerSec: 50, timeoutMs: 500 },
      },
      { dataDir: join(tmp.dir, 'svc'), services: { 'lin-kv': () => linKv } },
    )
    await run.whenDone()
    const s = run.summary(0)
    expect(s.ops.ok).toBeGreaterThan(5)
    expect(s.checks[0].ok).toBe(true)
    expect(writes.length).toBeGreaterThanOrEqual(s.ops.ok)
    expect(writes[0]).toEqual([expect.stringMatching(/^n[12]$/), 'write', 'last', expect.any(String)])
    expect(s.program?.stderr.n1.text).toContain('service said: this lab has no seq-kv service')
  })
})

describe('programs: their data directory', () => {
  it('passes MAELSTROM_DATA_DIR, a folder per node that outlives a crash (a restart is a fresh process and a fresh init)', async () => {
    const file = join(tmp.dir, 'boots.py')
    writeFileSync(
      file,
      [
        'import json, os, sys',
        'd = os.environ["MAELSTROM_DATA_DIR"]; f = os.path.join(d, "boots")',
        'n = int(open(f).read()) + 1 if os.path.exists(f) else 1',
        'open(f, "w").write(str(n))',
        'print("boots=%d in %s" % (n, os.path.basename(d)), file=sys.stderr, flush=True)',
        'for line in sys.stdin:',
        '    m = json.loads(line); b = m["body"]',
        '    t = "init_ok" if b["type"] == "init" else "echo_ok"',
        '    print(json.dumps({"src": m["dest"], "dest": m["src"], "body": {"type": t, "in_reply_to": b["msg_id"], "echo": b.get("echo")}}), flush=True)',
      ].join('\n'),
    )
    const run = await startRun(
      {
        name: 'boots',
        algorithm: { kind: 'program', params: { command: ['python3', file] } },
        cluster: { nodes: 2 },
        // Room for the restarted node host and program to come up on a busy machine.
        durationMs: 4000,
        workload: { kind: 'echo', clients: 1, ratePerSec: 20, timeoutMs: 300 },
        faults: [{ kind: 'crash', atMs: 300, target: 'n1', restartAfterMs: 500 }],
      },
      { dataDir: join(tmp.dir, 'boots') },
    )
    await run.whenDone()
    const err = run.summary(0).program?.stderr ?? {}
    expect(err.n1.text).toBe('boots=1 in n1.data\nboots=2 in n1.data\n')
    expect(err.n2.text).toBe('boots=1 in n2.data\n')
  })
})
