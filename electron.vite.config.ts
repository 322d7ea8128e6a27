import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import vue from '@vitejs/plugin-vue'

// Three builds: the Electron main process (src/main/shell is its entry), the preload
// bridge, and the renderer (the same bundle browser mode serves). QUORUM_LAB_OUT builds
// somewhere other than out/ (e.g. to test one checkout's UI while another builds).
const out = resolve(process.env.QUORUM_LAB_OUT ?? resolve(__dirname, 'out'))

export default defineConfig({
  main: {
    build: {
      outDir: resolve(out, 'main'),
      // The node program and the proxy are child processes the lab forks, and campaign workers
      // are threads it starts: their own entries.
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src/main/shell/index.ts'),
          node: resolve(__dirname, 'src/main/node/main.ts'),
          proxy: resolve(__dirname, 'src/main/lab/proxy/main.ts'),
          worker: resolve(__dirname, 'src/main/workers/worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: resolve(out, 'preload'),
      // A sandboxed preload cannot be an ES module: emit CommonJS.
      rollupOptions: {
        input: { index: resolve(__dirname, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    build: {
      outDir: resolve(out, 'renderer'),
      rollupOptions: { input: { index: resolve(__dirname, 'src/renderer/index.html') } },
      // Minified, and split: each view is its own chunk (src/renderer/src/views/index.ts),
      // so the first paint loads only the shell and the first view.
      minify: true,
      chunkSizeWarningLimit: 1000,
    },
    plugins: [vue()],
  },
})
