// Forking the lab's child processes (node and proxy programs) with the running executable,
// and making sure none outlives the lab.
//
// Executable: process.execPath, i.e. Electron's binary in the app (run as plain Node with
// ELECTRON_RUN_AS_NODE=1) and node otherwise. Entry: a built JS file next to the running
// bundle (`node.js` / `proxy.js`, e.g. out/main/node.js when the build emits one), else the
// TypeScript source (dev, tests, the CLI from a checkout): bundled once with esbuild into
// node_modules/.cache/quorum-lab, or run through tsx's loader (`--import <tsx>`). QUORUM_LAB_NODE_ENTRY / QUORUM_LAB_PROXY_ENTRY override the file;
// QUORUM_LAB_CHILD_ARGS adds runtime flags (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
//
// No orphans, lab side: every child is tracked; on the lab's 'exit' (normal exit, uncaught
// exception) all tracked children get SIGKILL, and on SIGINT / SIGTERM / SIGHUP too when
// nobody else listens for the signal (the signal is then re-raised, so the lab still dies of
// it as before); a lab that handles the signal itself (the CLI stopping its run) ends them.
// (Child side: see src/main/node/orphan.ts.) A lab killed with SIGKILL runs no handler: each
// child is also written down in its run's folder (ledger.ts), so the next lab to open the
// data folder ends what is left (leftovers.ts).
import { fork, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve, sep } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { ChildLedger } from './ledger'

/** The lab's child programs: node and proxy processes, and campaign worker threads. */
export type ChildKind = 'node' | 'proxy' | 'worker'

export interface ChildEntry {
  kind: ChildKind
  file: string
  execArgv: string[]
}

const here = dirname(fileURLToPath(import.meta.url))

const SOURCES: Record<ChildKind, string> = {
  node: 'src/main/node/main.ts',
  proxy: 'src/main/lab/proxy/main.ts',
  worker: 'src/main/workers/worker.ts',
}

/** Environment variables naming another file for a child program. */
const ENTRY_ENV: Record<ChildKind, string> = {
  node: 'QUORUM_LAB_NODE_ENTRY',
  proxy: 'QUORUM_LAB_PROXY_ENTRY',
  worker: 'QUORUM_LAB_WORKER_ENTRY',
}

/**
 * Where the `kind` program may be, in order, for code running from `base` (this module's
 * directory: src/main/lab/cluster from sources, out/main in a build, and
 * <app>/resources/app.asar/out/main in the packaged app, where Electron's run-as-node child
 * reads the script from the archive like `require` does).
 */
export function childEntryCandidates(kind: ChildKind, base: string = here): string[] {
  const env = process.env[ENTRY_ENV[kind]]
  const out: string[] = []
  if (env) out.push(resolve(env))
  // Built: next to the running bundle (out/main/index.js -> out/main/node.js).
  out.push(resolve(base, `${kind}.js`), resolve(base, `${kind}.mjs`))
  // Sources: from src/main/lab/cluster, or from a bundle in out/main.
  out.push(resolve(base, '../../../..', SOURCES[kind]), resolve(base, '../..', SOURCES[kind]))
  out.push(resolve(process.cwd(), SOURCES[kind]))
  return out
}

let tsxLoader: string | null = null

function tsxImport(): string {
  if (tsxLoader === null) {
    const require = createRequire(import.meta.url)
    tsxLoader = pathToFileURL(require.resolve('tsx')).href
  }
  return tsxLoader
}

/**
 * Find the program for a child process: a built JS file; else the .ts source, bundled on
 * first use with esbuild (if resolvable) into node_modules/.cache/quorum-lab/<kind>.mjs next
 * to the sources (rebuilt whenever a bundled source is newer; a child then starts in ~0.1 s
 * instead of ~0.5 s of tsx compiling, and needs less memory); else the source run with tsx.
 * QUORUM_LAB_NO_PREBUILD=1 skips the bundling.
 */
export function resolveChildEntry(kind: ChildKind, base: string = here): ChildEntry {
  const tried = childEntryCandidates(kind, base)
  for (const file of tried) {
    if (!existsSync(file)) continue
    if (!file.endsWith('.ts')) return { kind, file, execArgv: [] }
    const built = process.env.QUORUM_LAB_NO_PREBUILD === '1' ? null : prebuild(kind, file)
    if (built !== null) return { kind, file: built, execArgv: [] }
    return { kind, file, execArgv: ['--import', tsxImport()] }
  }
  throw new Error(`cannot find the ${kind} program; looked for: ${tried.join(', ')}`)
}

interface EsbuildLike {
  buildSync(o: Record<string, unknown>): {
    outputFiles?: Array<{ path: string; contents: Uint8Array }>
    metafile?: { inputs: Record<string, unknown> }
  }
}

/**
 * Whether a prebuilt child (built at `builtMs`) is still good for the sources under `root`:
 * every input it lists is a file of this checkout (a cache copied from another checkout,
 * e.g. a hard-linked node_modules, lists that checkout's files, so it is not) and none is
 * newer than the build.
 */
export function prebuildIsFresh(inputs: unknown, root: string, builtMs: number): boolean {
  const under = root.endsWith(sep) ? root : root + sep
  return (
    Array.isArray(inputs) &&
    inputs.length > 0 &&
    inputs.every(
      (f) => typeof f === 'string' && f.startsWith(under) && existsSync(f) && statSync(f).mtimeMs <= builtMs,
    )
  )
}

/** Bumped whenever the bundling options change. */
const PREBUILD_VERSION = 'v2'

/**
 * Worker threads get their packages inlined: a thread started from a lab run under tsx loads
 * every module file through tsx's hooks, and the few hundred small files of its packages made
 * a start take ~0.5 s (inlined: ~40% less). Child processes load without hooks; for them
 * inlining measured no faster, so their packages stay external. Packages with native parts or
 * optional dependencies found at run time always load from node_modules.
 */
const INLINE_PACKAGES = {
  external: ['better-sqlite3', 'msgpackr', 'msgpackr-extract', 'bullmq', 'ioredis', 'protobufjs'],
  // Inlined CommonJS packages call require(): give the ES module one.
  banner: {
    js: "import { createRequire as __qlRequire } from 'node:module'; const require = __qlRequire(import.meta.url);",
  },
}

/** Bundle a child's .ts entry (a worker's with its packages); the output path, or null. */
function prebuild(kind: ChildKind, source: string): string | null {
  // <repo>/src/main/... -> <repo>
  const root = resolve(
    source,
    '..',
    ...SOURCES[kind]
      .split('/')
      .slice(1)
      .map(() => '..'),
  )
  const dir = join(root, 'node_modules', '.cache', 'quorum-lab')
  // The build options' version is in the names: a cache built with other options is not used.
  const out = join(dir, `${kind}.${PREBUILD_VERSION}.mjs`)
  const meta = join(dir, `${kind}.${PREBUILD_VERSION}.inputs.json`)
  try {
    if (existsSync(out) && existsSync(meta)) {
      const built = statSync(out).mtimeMs
      if (prebuildIsFresh(JSON.parse(readFileSync(meta, 'utf8')) as unknown, root, built)) return out
    }
    const esbuild = createRequire(import.meta.url)('esbuild') as EsbuildLike
    const r = esbuild.buildSync({
      entryPoints: [source],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      ...(kind === 'worker' ? INLINE_PACKAGES : { packages: 'external' }),
      outfile: out,
      write: false,
      metafile: true,
      logLevel: 'silent',
    })
    const file = r.outputFiles?.find((f) => f.path === out) ?? r.outputFiles?.[0]
    if (!file || !r.metafile) return null
    mkdirSync(dir, { recursive: true })
    // Write then rename: another lab (a parallel test worker) may be building the same file.
    const tmp = `${out}.${process.pid}.tmp`
    writeFileSync(tmp, file.contents)
    renameSync(tmp, out)
    const inputs = Object.keys(r.metafile.inputs).map((f) => resolve(root, f))
    writeFileSync(`${meta}.${process.pid}.tmp`, JSON.stringify(inputs))
    renameSync(`${meta}.${process.pid}.tmp`, meta)
    return out
  } catch {
    return null // no esbuild, or it failed: run the source with tsx
  }
}

export const resolveNodeEntry = (): ChildEntry => resolveChildEntry('node')
export const resolveProxyEntry = (): ChildEntry => resolveChildEntry('proxy')
export const resolveWorkerEntry = (): ChildEntry => resolveChildEntry('worker')

// ---------------------------------------------------------------- tracking and reaping

const live = new Set<ChildProcess>()
let hooked = false

export function liveChildren(): number {
  return live.size
}

/** SIGKILL every child this lab started that is still running. */
export function killAllChildren(): void {
  for (const cp of live) {
    try {
      cp.kill('SIGKILL')
    } catch {
      // already gone
    }
  }
}

function installHooks(): void {
  if (hooked) return
  hooked = true
  process.on('exit', killAllChildren)
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      // Someone else handles the signal (the CLI stops its run: the nodes' last telemetry comes
      // in, then they are asked to exit): killing the children here would lose the end of the
      // run (a write acknowledged just before the stop with its apply never recorded). The
      // 'exit' hook still ends whatever is left when the lab exits.
      if (process.listenerCount(sig) > 1) return
      // Only us: end the children, then behave as if we had not been listening (die of it).
      killAllChildren()
      process.removeListener(sig, onSignal)
      process.kill(process.pid, sig)
    }
    process.on(sig, onSignal)
  }
}

export interface ForkOptions {
  /** Each line the child writes to stdout / stderr. */
  onOutput?: (line: string) => void
  /** The run's record of its children (the child is written down as `name`, e.g. n1). */
  ledger?: { ledger: ChildLedger; name: string }
}

/** Fork a child program with an IPC channel ('advanced' serialization), tracked for reaping. */
export function forkChild(entry: ChildEntry, opts: ForkOptions = {}): ChildProcess {
  installHooks()
  const env: NodeJS.ProcessEnv = { ...process.env }
  if (process.versions.electron !== undefined) env.ELECTRON_RUN_AS_NODE = '1'
  // Extra runtime flags for every child (profiling: QUORUM_LAB_CHILD_ARGS="--cpu-prof").
  const extra = (process.env.QUORUM_LAB_CHILD_ARGS ?? '').split(' ').filter((a) => a.length > 0)
  const cp = fork(entry.file, [], {
    execPath: process.execPath,
    execArgv: [...extra, ...entry.execArgv],
    env,
    serialization: 'advanced',
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  live.add(cp)
  cp.once('exit', () => live.delete(cp))
  opts.ledger?.ledger.add(cp, opts.ledger.name, entry.file)
  cp.on('error', () => {
    // 'exit' reports the end; errors on a dead channel are expected during teardown
  })
  const onOutput = opts.onOutput
  for (const stream of [cp.stdout, cp.stderr]) {
    if (!stream) continue
    let rest = ''
    stream.setEncoding('utf8')
    stream.on('data', (s: string) => {
      rest += s
      let nl = rest.indexOf('\n')
      while (nl >= 0) {
        const line = rest.slice(0, nl)
        rest = rest.slice(nl + 1)
        if (line && onOutput) onOutput(`${entry.kind}[${cp.pid ?? '?'}]: ${line}`)
        nl = rest.indexOf('\n')
      }
      if (rest.length > 64 * 1024) rest = rest.slice(-1024)
    })
  }
  return cp
}
