// Where the shell finds the renderer and the preload, relative to the directory of the main
// bundle (out/main in a build, <app>/resources/app.asar/out/main when packaged). Plain Node,
// so the build-layout test can check it without Electron.
import { existsSync } from 'node:fs'
import { join } from 'node:path'

export interface ShellPaths {
  /** The built renderer page the window loads. */
  indexHtml: string
  /** The preload as built by electron-vite (CommonJS: a sandboxed preload cannot be an ES module). */
  preload: string
}

export function shellPaths(mainDir: string): ShellPaths {
  let preload = join(mainDir, '../preload/index.js')
  for (const name of ['index.cjs', 'index.js', 'index.mjs']) {
    const p = join(mainDir, '../preload', name)
    if (existsSync(p)) {
      preload = p
      break
    }
  }
  return { indexHtml: join(mainDir, '../renderer/index.html'), preload }
}
