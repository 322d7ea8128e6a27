// The stdio bridge of a program's node (src/main/node/program.ts), measured: the latency it
// adds per message. A trivial echo program (Node, reading JSON lines and writing each back
// with src and dest swapped) is driven ping-pong, one message in flight:
//
//   raw     the same program through bare pipes (the line written, the echoed line read back
//           and split on its newline): what any stdio program costs;
//   bridge  through ProgramProcess: every message JSON-encoded on the way in, its echo split
//           into lines, parsed and checked as a Maelstrom message on the way out.
//
// Added latency per message (one crossing) = (bridge RTT - raw RTT) / 2, at p50 and p99; the
// bridge's own per-crossing time (RTT / 2, pipes and the program included) is printed too.
//
// Run: npx tsx bench/stdio-bridge.ts [--messages 20000]
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { ProgramProcess } from '../src/main/node/program'
import type { MaelstromMessage } from '../src/core/maelstrom/types'
import { ProgramParamsSchema } from '../src/shared/spec'

const i = process.argv.indexOf('--messages')
const N = i >= 0 ? Number(process.argv[i + 1]) : 20_000
const WARMUP = 2000

const ECHO = `
const rl = require('node:readline').createInterface({ input: process.stdin })
rl.on('line', (l) => {
  const m = JSON.parse(l)
  const b = m.body
  if (b.type === 'init') return process.stdout.write(JSON.stringify({ src: b.node_id, dest: m.src, body: { type: 'init_ok', in_reply_to: b.msg_id } }) + '\\n')
  process.stdout.write(JSON.stringify({ src: m.dest, dest: m.src, body: b }) + '\\n')
})`

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]
}
const us = (ms: number): string => `${(ms * 1000).toFixed(1)} us`

const msg = (k: number): MaelstromMessage => ({
  src: 'n2',
  dest: 'n1',
  body: { type: 'gossip', msg_id: k, value: k, seen: [1, 2, 3] },
})

async function raw(): Promise<number[]> {
  const cp = spawn(process.execPath, ['-e', ECHO], { stdio: ['pipe', 'pipe', 'inherit'] })
  const rtts: number[] = []
  let buf = ''
  let t0 = 0
  let k = 0
  await new Promise<void>((done) => {
    const next = (): void => {
      if (k === N + WARMUP) return done()
      t0 = performance.now()
      cp.stdin.write(`${JSON.stringify(msg(k))}\n`)
    }
    cp.stdout.setEncoding('utf8')
    cp.stdout.on('data', (c: string) => {
      buf += c
      let nl: number
      while ((nl = buf.indexOf('\n')) >= 0) {
        buf = buf.slice(nl + 1)
        if (k++ >= WARMUP) rtts.push(performance.now() - t0)
        next()
      }
    })
    next()
  })
  cp.kill('SIGKILL')
  return rtts
}

async function bridge(): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'ql-bench-bridge-'))
  const rtts: number[] = []
  let t0 = 0
  let k = 0
  let done: () => void = () => {}
  const finished = new Promise<void>((r) => (done = r))
  const p = new ProgramProcess(
    'n1',
    ['n1', 'n2'],
    ProgramParamsSchema.parse({ command: [process.execPath, '-e', ECHO] }),
    join(dir, 'n1.data'),
    {
      message: () => {
        if (k++ >= WARMUP) rtts.push(performance.now() - t0)
        next()
      },
      problem: (why) => console.error(`problem: ${why}`),
      stderr: () => {},
      exit: () => {},
    },
  )
  const next = (): void => {
    if (k === N + WARMUP) return done()
    t0 = performance.now()
    p.write(msg(k))
  }
  await p.boot()
  next()
  await finished
  p.kill()
  rmSync(dir, { recursive: true, force: true })
  return rtts
}

async function main(): Promise<void> {
  console.log(`${N} messages ping-pong through an echo program (after ${WARMUP} warm-up), one in flight`)
  const r = await raw()
  const b = await bridge()
  console.log(`raw pipes   RTT p50 ${us(pct(r, 50))}  p99 ${us(pct(r, 99))}`)
  console.log(`bridge      RTT p50 ${us(pct(b, 50))}  p99 ${us(pct(b, 99))}`)
  console.log(
    `stdio bridge, added latency per message (one crossing, (bridge - raw) / 2): p50 ${us((pct(b, 50) - pct(r, 50)) / 2)}, p99 ${us((pct(b, 99) - pct(r, 99)) / 2)} (target p50 < 100 us)`,
  )
  console.log(
    `per crossing including the pipes and the program (bridge RTT / 2): p50 ${us(pct(b, 50) / 2)}, p99 ${us(pct(b, 99) / 2)}`,
  )
}

void main()
