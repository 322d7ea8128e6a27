// `npm run serve`: browser mode. Serves the built renderer and the LabApi on 127.0.0.1
// and prints the URL (with its access token) to open.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Command, InvalidArgumentError } from 'commander'
import { terminalText } from '../cli/terminal'
import { LabService } from '../lab/service'
import { StoreError } from '../store'
import { startWebServer } from './server'

function parsePort(v: string): number {
  const n = Number(v)
  if (!/^\d+$/.test(v) || n > 65535) throw new InvalidArgumentError('must be an integer 0..65535')
  return n
}

/** Best effort: open the URL in the user's browser (never fails the server). */
function openBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'cmd' : 'xdg-open'
  const args = process.platform === 'win32' ? ['/c', 'start', '""', url] : [url]
  try {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true })
    child.on('error', () => {
      /* no browser opener here: the printed URL is enough */
    })
    child.unref()
  } catch {
    // ignore
  }
}

async function main(): Promise<void> {
  const program = new Command()
    .name('npm run serve --')
    .description('Serve the Quorum Lab UI and LabApi on 127.0.0.1 for a browser')
    .option('--port <n>', 'TCP port (0 = let the OS choose)', parsePort, 0)
    .option('--data <dir>', 'data directory', 'lab-data')
    .option(
      '--renderer <dir>',
      'the built renderer',
      fileURLToPath(new URL('../../../out/renderer', import.meta.url)),
    )
    .option('--no-open', 'do not open a browser')
    .showHelpAfterError()
  program.parse()
  const o = program.opts<{ port: number; data: string; renderer: string; open: boolean }>()

  const dataDir = resolve(o.data)
  mkdirSync(dataDir, { recursive: true })
  const rendererDir = resolve(o.renderer)
  if (!existsSync(resolve(rendererDir, 'index.html'))) {
    process.stderr.write(`warning: ${rendererDir}/index.html not found; build the UI first (npm run build)\n`)
  }

  let service: LabService
  try {
    service = new LabService({
      bridge: 'browser',
      dataDir,
      onLeftovers: (lines) => lines.forEach((l) => process.stderr.write(`note: ${terminalText(l)}\n`)),
    })
  } catch (e) {
    // A foreign, damaged or newer database: the message names it and says what to do.
    if (!(e instanceof StoreError)) throw e
    process.stderr.write(`${terminalText(e.message)}\n`)
    process.exit(e.code === 'corrupt' ? 4 : 2)
  }
  const server = await startWebServer({ port: o.port, service, rendererDir })
  process.stdout.write(`Quorum Lab is serving on ${server.url}\n`)
  if (o.open) openBrowser(server.url)

  let stopping = false
  const shutdown = (signal: string): void => {
    if (stopping) return
    stopping = true
    process.stderr.write(`\n${signal}: shutting down\n`)
    service.close()
    const force = setTimeout(() => process.exit(0), 3000)
    force.unref()
    void server.close().then(() => process.exit(0))
  }
  process.on('SIGINT', () => shutdown('SIGINT'))
  process.on('SIGTERM', () => shutdown('SIGTERM'))
}

main().catch((e: unknown) => {
  process.stderr.write(`error: ${terminalText(e instanceof Error ? e.message : String(e))}\n`)
  process.exit(1)
})
