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
  const r = spawnSync(process.execPath, [join(electronDir, 'install.js')], { stdio: 'inherit', env })
  if (r.status !== 0) {
    console.error(
      'Could not download Electron. Browser mode needs no Electron: run `npm run serve` and open the printed URL.',
    )
    process.exit(r.status ?? 1)
  }
}
