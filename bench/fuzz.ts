// `npm run bench -- fuzz`: how fuzz campaigns scale over worker threads, and what this machine
// allows. Three campaigns of the same seeds, one after the other, each the CLI a user runs
// (`quorum-lab fuzz --algorithm A --seeds N --no-record --json`, the seeds/s it reports):
//
//   1 worker    --workers 1
//   2 workers   --workers 2 (one process, two worker threads)
//   ceiling     two separate --workers 1 processes at the same time, seeds/s added up: what
//               two cores give two independent campaigns that share nothing but the machine
//               (caches, memory bandwidth, the GC helper threads a lone process gets for free)
//
// Scaling is 2 workers / 1 worker; the pool's efficiency is 2 workers / ceiling (1.00: the
// threads lose nothing to each other beyond what the machine takes).
//
//   npx tsx bench/fuzz.ts [--algorithm raft] [--seeds 2000] [--workers 2]
import { spawn } from 'node:child_process'
import { loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'

function opt(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback
}
const algorithm = opt('algorithm', 'raft')
const seeds = Number(opt('seeds', '2000'))
const workers = Number(opt('workers', '2'))
if (!Number.isInteger(seeds) || seeds < 1)
  throw new Error(`--seeds: want a positive integer, got ${opt('seeds', '')}`)
if (!Number.isInteger(workers) || workers < 2)
  throw new Error(`--workers: want an integer >= 2, got ${opt('workers', '')}`)

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const cli = join(root, 'src/main/cli/main.ts')

/** What the bench reads of `fuzz --json`. */
const CampaignJson = z.object({
  done: z.number(),
  wallMs: z.number(),
  workers: z.number(),
  violating: z.array(z.unknown()),
})
type Campaign = z.infer<typeof CampaignJson>

/** One campaign through the CLI (a fresh process: its own JIT warm-up, as a user gets it). */
function campaign(n: number): Promise<Campaign> {
  return new Promise((resolve, reject) => {
    const args = ['--import', 'tsx', cli, 'fuzz', '--algorithm', algorithm, '--seeds', String(seeds)]
    args.push('--workers', String(n), '--no-record', '--json')
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (b: Buffer) => (out += b.toString()))
    child.stderr.on('data', (b: Buffer) => (err += b.toString()))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code !== 0)
        return reject(new Error(`fuzz --workers ${n} exited ${code}: ${err.trim().slice(-400)}`))
      try {
        resolve(CampaignJson.parse(JSON.parse(out)))
      } catch (e) {
        reject(new Error(`fuzz --workers ${n}: unreadable --json output (${(e as Error).message})`))
      }
    })
  })
}

const rate = (c: Campaign): number => c.done / (c.wallMs / 1000)

console.log(`fuzz scaling: ${algorithm}, ${seeds} seeds per campaign, --no-record`)
console.log(`  load average at start: ${loadavg()[0].toFixed(2)}`)
const one = await campaign(1)
console.log(`  1 worker             ${rate(one).toFixed(1)} seeds/s (${(one.wallMs / 1000).toFixed(1)} s)`)
const many = await campaign(workers)
console.log(
  `  ${workers} workers            ${rate(many).toFixed(1)} seeds/s (${(many.wallMs / 1000).toFixed(1)} s)`,
)
const side = await Promise.all(Array.from({ length: workers }, () => campaign(1)))
const ceiling = side.reduce((s, c) => s + rate(c), 0)
console.log(
  `  ceiling              ${ceiling.toFixed(1)} seeds/s (${workers} separate 1-worker processes at once: ${side.map((c) => rate(c).toFixed(1)).join(' + ')})`,
)
console.log(`  scaling              ${(rate(many) / rate(one)).toFixed(2)}x (${workers} workers / 1 worker)`)
console.log(`  machine ceiling      ${(ceiling / rate(one)).toFixed(2)}x (ceiling / 1 worker)`)
console.log(`  pool efficiency      ${(rate(many) / ceiling).toFixed(2)} (${workers} workers / ceiling)`)
const bad = [one, many, ...side].reduce((s, c) => s + c.violating.length, 0)
if (bad > 0)
  console.log(
    `  note: ${bad} violating seed(s) across the campaigns (the correct algorithm should have none)`,
  )
console.log(`  load average at end: ${loadavg()[0].toFixed(2)}`)
