// Nothing recorded is lost when a run ends with a backlog of trace events on their way (issue
// 14: a 5-node broadcast whose gossip flooded the proxy ended with most of its send events
// still queued behind the proxy's IPC channel; the lab stopped waiting after 2 s and killed it).
// Here every node floods the proxy up to the end of the run; every message a node delivered
// within the run was sent within it, so its send event must be in the trace too (before the
// fix, thousands were missing: the proxy was killed with its events still queued).
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { startRun, tempDir } from './proc.helpers'

const tmp = tempDir('ql-backlog-')
afterAll(() => tmp.cleanup())

const BURST = 500

/**
 * Once it has a client, each node floods another (n1 -> n2, the others -> n1) with BURST
 * messages of about 1 KB at a time, as fast as its stdout takes them, until it ends: the
 * proxy's send events (each with a 1 KB body summary) come faster than the lab takes them in.
 */
function floodProgram(): string {
  const file = join(tmp.dir, 'flood.js')
  writeFileSync(
    file,
    `const PAD = 'x'.repeat(900)
let me = null
let flooding = false
let next = 0
let buf = ''
const out = (m) => process.stdout.write(JSON.stringify(m) + '\\n')
function burst() {
  const lines = []
  for (let i = 0; i < ${BURST}; i++) lines.push(JSON.stringify({ src: me, dest: me === 'n1' ? 'n2' : 'n1', body: { type: 'flood', i: next++, pad: PAD } }))
  process.stdout.write(lines.join('\\n') + '\\n', () => setTimeout(burst, 1))
}
process.stdin.setEncoding('utf8')
process.stdin.on('data', (chunk) => {
  buf += chunk
  const lines = buf.split('\\n')
  buf = lines.pop()
  for (const line of lines) {
    if (!line) continue
    const m = JSON.parse(line)
    const b = m.body
    if (b.type === 'init') {
      me = b.node_id
      out({ src: me, dest: m.src, body: { type: 'init_ok', in_reply_to: b.msg_id } })
    } else if (b.type === 'echo') {
      out({ src: me, dest: m.src, body: { type: 'echo_ok', echo: b.echo, in_reply_to: b.msg_id } })
      if (!flooding) {
        flooding = true
        burst()
      }
    }
  }
})
`,
  )
  return file
}

describe('the end of a run with a backlog of trace events', () => {
  it('records the send of every delivered message when the proxy is flooded up to the end', async () => {
    const run = await startRun(
      {
        name: 'flood',
        algorithm: { kind: 'program', params: { command: [process.execPath, floodProgram()] } },
        cluster: { nodes: 3 },
        durationMs: 2000,
        workload: { kind: 'echo', clients: 1, ratePerSec: 20, timeoutMs: 500 },
      },
      { dataDir: join(tmp.dir, 'run') },
    )
    await run.whenDone()
    const sends = new Set<number>()
    const delivered: number[] = []
    for (const e of run.trace()) {
      if (e.kind === 'send' && e.type === 'flood') sends.add(e.msgId)
      if (e.kind === 'deliver' && e.type === 'flood') delivered.push(e.msgId)
    }
    // A delivery happened after its send: both in the run, so both recorded.
    expect(delivered.length).toBeGreaterThan(1000)
    expect(delivered.filter((id) => !sends.has(id)).length).toBe(0)
  }, 120_000)
})
