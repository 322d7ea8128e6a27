// The app's name and version, from the nearest package.json above the running code (works from
// the sources, a build in out/, a bundled child program in node_modules/.cache and the
// packaged app).
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Name and version from the nearest package.json above this file. */
export function readPackageInfo(): { name: string; version: string } {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 8; i++) {
    const p = join(dir, 'package.json')
    if (existsSync(p)) {
      try {
        const pkg = JSON.parse(readFileSync(p, 'utf8')) as { name?: unknown; version?: unknown }
        if (typeof pkg.name === 'string' && typeof pkg.version === 'string')
          return { name: pkg.name, version: pkg.version }
      } catch {
        // keep walking up
      }
    }
    const up = dirname(dir)
    if (up === dir) break
    dir = up
  }
  return { name: 'quorum-lab', version: '0.0.0' }
}
