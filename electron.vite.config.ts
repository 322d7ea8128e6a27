import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import vue from '@vitejs/plugin-vue'

// Three builds: the Electron main process (src/main/shell is its entry), the preload
// bridge, and the renderer (the same bundle browser mode serves).
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      // The node program and the proxy are child processes the lab forks: their own entries.
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src/main/shell/index.ts'),
          node: resolve(__dirname, 'src/main/node/main.ts'),
          proxy: resolve(__dirname, 'src/main/lab/proxy/main.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
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
      outDir: resolve(__dirname, 'out/renderer'),
      rollupOptions: { input: { index: resolve(__dirname, 'src/renderer/index.html') } },
      chunkSizeWarningLimit: 3000,
    },
    plugins: [vue()],
  },
})
