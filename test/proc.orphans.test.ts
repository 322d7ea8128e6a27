// No orphans: whatever happens to the lab, every node process it started goes away. A small
// lab process (proc.lab-child.ts) starts a run with one node paused (SIGSTOP), reports its
// pids, and is then killed: with SIGKILL (no handler runs: nodes notice the IPC channel
// closing / their parent vanishing, the proxy reaps the paused node) and with SIGTERM (the
// lab's own signal handler kills its children).
//
// And when the lab AND its proxy die while nodes are paused (nobody is left to end them), the
// next lab to open the data folder ends them from the run folder's children.json, and says so.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { endLeftoverChildren } from '../src/main/lab/cluster'
import { LEDGER_FILE, type Ledger } from '../src/main/lab/cluster/ledger'
import { processArgs, processStartTime } from '../src/main/lab/cluster/procfs'
import { resolveNodeEntry, resolveProxyEntry } from '../src/main/lab/cluster/spawn'
import type { ProcessPids } from '../src/main/lab/processes'
import { LabService } from '../src/main/lab/service'
import { sleep, tempDir } from './proc.helpers'
import { descendants, listListeningSockets } from './security.sockets'

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

async function startLab<T = ProcessPids>(
  dataDir: string,
  env: NodeJS.ProcessEnv = {},
  args: string[] = [],
): Promise<{ lab: ReturnType<typeof spawn>; pids: T }> {
  const lab = spawn(process.execPath, ['--import', tsx, script, dataDir, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  })
  let out = ''
  let err = ''
  lab.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const pids = await new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`lab did not report its pids: ${err}`)), 60_000)
    lab.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      const nl = out.indexOf('\n')
      if (nl >= 0) {
        clearTimeout(timer)
        resolve(JSON.parse(out.slice(0, nl)) as T)
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

describe.skipIf(process.platform === 'win32')('no orphans with programs', () => {
  it('a lab that handles SIGINT itself (the CLI) stops its run first: no child is killed at the signal, the run ends clean', async () => {
    const { lab, pids } = await startLab(`${tmp.dir}/graceful`, {}, ['graceful'])
    const children = [pids.proxy, ...pids.nodes].filter((p): p is number => p !== null)
    expect(children).toHaveLength(4)
    await sleep(1000)
    let out = ''
    lab.stdout?.on('data', (d: Buffer) => (out += d.toString()))
    lab.kill('SIGINT')
    // The lab waits half a second before it stops the run: every child is still there.
    await sleep(300)
    expect(children.filter((p) => !alive(p))).toEqual([])
    await new Promise((resolve) => lab.once('exit', resolve))
    const result = JSON.parse(out.trim().split('\n').pop() ?? '{}') as {
      verdict: string
      checks: Array<[string, boolean]>
    }
    expect(result.checks).toContainEqual(['No acknowledged write lost', true])
    expect(result.verdict).toBe('ok')
    expect(await allGone(children, 5000)).toEqual([])
  }, 90_000)

  it('nodes and the proxy do not die of SIGINT (a terminal sends it to the whole process group; the lab ends them)', async () => {
    const { lab, pids } = await startLab(`${tmp.dir}/sigint-children`)
    const children = [pids.proxy, ...pids.nodes].filter((p): p is number => p !== null)
    for (const p of children) process.kill(p, 'SIGINT')
    await sleep(500)
    expect(children.filter((p) => !alive(p))).toEqual([])
    lab.kill('SIGKILL')
    expect(await allGone(children, 5000)).toEqual([])
  }, 90_000)

  it('every node, its program (one paused) and the proxy are gone within a few seconds after the lab gets SIGKILL', async () => {
    const { lab, pids } = await startLab(`${tmp.dir}/program`, {}, ['program'])
    const children = [pids.proxy, ...pids.nodes, ...pids.programs].filter((p): p is number => p !== null)
    expect(children).toHaveLength(7)
    expect(children.every(alive)).toBe(true)
    await sleep(300)
    lab.kill('SIGKILL')
    const left = await allGone(children, 5000)
    expect(left, `still running: ${left.join(', ')}`).toEqual([])
  }, 90_000)
})

describe.skipIf(process.platform !== 'linux')('leftovers of a crashed lab', () => {
  for (const via of ['LabService', 'CLI'] as const) {
    it(`a new lab (${via}) ends the paused nodes that a lab killed with its proxy left running, and says so`, async () => {
      const data = join(tmp.dir, `crash-${via}`)
      const { lab, pids } = await startLab<{ runId: string }>(data, {}, ['service'])
      let kids: number[] = []
      try {
        const folder = join(data, 'runs', pids.runId)
        // The lab's children, as the kernel sees them.
        kids = descendants(lab.pid as number)
        const runs = (file: string) => (pid: number) => processArgs(pid)?.includes(file) === true
        const nodes = kids.filter(runs(resolveNodeEntry().file))
        const proxy = kids.find(runs(resolveProxyEntry().file)) as number
        expect(nodes).toHaveLength(3)
        expect(proxy).toBeDefined()

        // Nodes paused; the lab stopped first (so it cannot react to its proxy dying), then the
        // proxy and the lab killed: nobody is left who could end the nodes.
        for (const pid of nodes) process.kill(pid, 'SIGSTOP')
        process.kill(lab.pid as number, 'SIGSTOP')
        process.kill(proxy, 'SIGKILL')
        process.kill(lab.pid as number, 'SIGKILL')
        await sleep(1500)
        expect(nodes.filter(alive)).toEqual(nodes)
        const held = listListeningSockets(nodes)
        expect(new Set(held.map((l) => l.pid)).size).toBe(3)
        expect(held.length).toBe(6) // a client port and a peer port each

        let said: string
        let reports: unknown = undefined
        if (via === 'LabService') {
          const lines: string[] = []
          const service = new LabService({ dataDir: data, onLeftovers: (l) => lines.push(...l) })
          reports = service.leftoversEnded
          expect(service.crashedAtStart).toEqual([pids.runId])
          service.close()
          said = lines.join('\n')
        } else {
          const cli = fileURLToPath(new URL('../src/main/cli/main.ts', import.meta.url))
          const r = spawnSync(process.execPath, ['--import', tsx, cli, 'list', '--data', data], {
            encoding: 'utf8',
            timeout: 60_000,
          })
          expect(r.status).toBe(0)
          said = r.stderr
        }
        expect(await allGone(nodes, 5000)).toEqual([])
        // Said: which run, and which processes.
        expect(said).toMatch(
          new RegExp(`run ${pids.runId} had crashed and left 3 processes running: ended n1 `),
        )
        for (const pid of nodes) expect(said).toContain(`(pid ${pid})`)
        if (via === 'LabService') {
          expect(reports).toEqual([
            expect.objectContaining({
              runId: pids.runId,
              ended: expect.arrayContaining(nodes.map((pid) => expect.objectContaining({ pid }))),
            }),
          ])
        }
        // Recorded in the run folder; the children list is gone, so the next open finds nothing.
        const record = JSON.parse(readFileSync(join(folder, 'leftovers.json'), 'utf8')) as {
          ended: Array<{ name: string; pid: number }>
        }
        expect(record.ended.map((c) => c.name)).toEqual(['n1', 'n2', 'n3'])
        expect(existsSync(join(folder, 'children.json'))).toBe(false)
        expect(endLeftoverChildren(data)).toEqual([])
      } finally {
        // Whatever failed, nothing this test started outlives it.
        for (const pid of [lab.pid as number, ...kids].filter(alive)) process.kill(pid, 'SIGKILL')
      }
    }, 120_000)
  }

  it('ends only a process that is provably ours: same pid, same start time, same program, lab gone', async () => {
    const program = 'setInterval(() => {}, 1000) // quorum-lab leftover test'
    const victim = spawn(process.execPath, ['-e', program], { stdio: 'ignore' })
    const pid = victim.pid as number
    for (let k = 0; k < 50 && processStartTime(pid) === null; k++) await sleep(20)
    const startTime = processStartTime(pid) as string
    const data = join(tmp.dir, 'matching')
    const folder = join(data, 'runs', 'run-x')
    mkdirSync(folder, { recursive: true })
    const write = (lab: Ledger['lab'], child: Partial<Ledger['children'][number]>): void =>
      writeFileSync(
        join(folder, LEDGER_FILE),
        JSON.stringify({
          format: 'quorum-lab children',
          version: 1,
          lab,
          children: [{ name: 'n1', pid, startTime, program, ...child }],
        }),
      )
    const deadLab = { pid: 2 ** 22 + 7, startTime: '1' }
    try {
      // A live lab (this process): its run is going on; nothing is touched.
      write({ pid: process.pid, startTime: processStartTime(process.pid) }, {})
      expect(endLeftoverChildren(data)).toEqual([])
      expect(existsSync(join(folder, LEDGER_FILE))).toBe(true)
      // The pid now belongs to a process started at another time (pid reuse): not ours.
      write(deadLab, { startTime: String(Number(startTime) + 1) })
      expect(endLeftoverChildren(data)).toEqual([])
      // Same pid and start time but another program: not ours.
      write(deadLab, { program: '/somewhere/else/node.mjs' })
      expect(endLeftoverChildren(data)).toEqual([])
      await sleep(200)
      expect(alive(pid)).toBe(true)
      // All three match: ended.
      write(deadLab, {})
      expect(endLeftoverChildren(data)).toEqual([{ runId: 'run-x', folder, ended: [{ name: 'n1', pid }] }])
      expect(await allGone([pid], 5000)).toEqual([])
      // An unreadable record is reported, and nothing is ended.
      writeFileSync(join(folder, LEDGER_FILE), '{"format": "quorum-lab children", "version": 2}')
      expect(endLeftoverChildren(data)).toEqual([
        expect.objectContaining({ runId: 'run-x', ended: [], problem: expect.stringMatching(/version/) }),
      ])
    } finally {
      victim.kill('SIGKILL')
    }
  })
})
