// Electron's binary is fetched at first launch rather than at `npm install`, so installing
// works on machines that cannot reach Electron's download host (CI, offline mirrors).
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'

const require = createRequire(import.meta.url)
const electronDir = dirname(require.resolve('electron/package.json'))
const pathFile = join(electronDir, 'path.txt')
const installed =
  existsSync(pathFile) && existsSync(join(electronDir, 'dist', readFileSync(pathFile, 'utf8').trim()))

if (!installed) {
  console.log('Downloading the Electron binary (first launch only)...')
  const env = { ...process.env }
  delete env.ELECTRON_SKIP_BINARY_DOWNLOAD
  // stderr is kept: on failure the downloader prints a stack trace, which says less to a
  // user than its first line (e.g. "RequestError: getaddrinfo ENOTFOUND github.com").
  const r = spawnSync(process.execPath, [join(electronDir, 'install.js')], {
    stdio: ['inherit', 'inherit', 'pipe'],
    env,
    encoding: 'utf8',
  })
  const errText = r.stderr ?? ''
  if (r.status !== 0) {
    const why = errText.split('\n').find((l) => /\S/.test(l) && !/^\s+at /.test(l)) ?? `exit code ${r.status}`
    console.error(
      `Could not download Electron (${why.trim()}). Browser mode needs no Electron: run \`npm run serve\` and open the printed URL.`,
    )
    process.exit(r.status ?? 1)
  }
  process.stderr.write(errText)
}
