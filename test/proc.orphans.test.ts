// No orphans: whatever happens to the lab, every node process it started goes away. A small
// lab process (proc.lab-child.ts) starts a run with one node paused (SIGSTOP), reports its
// pids, and is then killed: with SIGKILL (no handler runs: nodes notice the IPC channel
// closing / their parent vanishing, the proxy reaps the paused node) and with SIGTERM (the
// lab's own signal handler kills its children).
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import type { ProcessPids } from '../src/main/lab/processes'
import { sleep, tempDir } from './proc.helpers'

const tmp = tempDir('ql-orphans-')
afterAll(() => tmp.cleanup())

const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
const script = fileURLToPath(new URL('./proc.lab-child.ts', import.meta.url))

/** Alive and not a zombie (a reparented child may linger as a zombie if init does not reap it). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
    return state !== 'Z' && state !== 'X'
  } catch {
    return process.platform !== 'linux'
  }
}

async function startLab(
  dataDir: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ lab: ReturnType<typeof spawn>; pids: ProcessPids }> {
  const lab = spawn(process.execPath, ['--import', tsx, script, dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  })
  let out = ''
  let err = ''
  lab.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const pids = await new Promise<ProcessPids>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`lab did not report its pids: ${err}`)), 60_000)
    lab.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      const nl = out.indexOf('\n')
      if (nl >= 0) {
        clearTimeout(timer)
        resolve(JSON.parse(out.slice(0, nl)) as ProcessPids)
      }
    })
    lab.once('exit', (code) => reject(new Error(`lab exited early (${code}): ${err}`)))
  })
  return { lab, pids }
}

async function allGone(pids: number[], withinMs: number): Promise<number[]> {
  const end = Date.now() + withinMs
  let left = pids.filter(alive)
  while (left.length > 0 && Date.now() < end) {
    await sleep(100)
    left = left.filter(alive)
  }
  return left
}

describe.skipIf(process.platform === 'win32')('no orphans', () => {
  for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
    it(`every node and the proxy are gone within a few seconds after the lab gets ${signal}`, async () => {
      // (The SIGTERM lab runs its children from the .ts sources through tsx, the other from
      // the esbuild bundle: both ways of starting a child are exercised.)
      const env = signal === 'SIGTERM' ? { QUORUM_LAB_NO_PREBUILD: '1' } : {}
      const { lab, pids } = await startLab(`${tmp.dir}/${signal}`, env)
      const children = [pids.proxy, ...pids.nodes].filter((p): p is number => p !== null)
      expect(children).toHaveLength(4)
      expect(children.every(alive)).toBe(true)
      await sleep(300)
      lab.kill(signal)
      const left = await allGone(children, 5000)
      expect(left, `still running: ${left.join(', ')}`).toEqual([])
    }, 90_000)
  }
})
