import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import vue from 'eslint-plugin-vue'
import vueParser from 'vue-eslint-parser'
import prettier from 'eslint-config-prettier'
import globals from 'globals'

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist/**', 'lab-data/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parser: vueParser, parserOptions: { parser: tseslint.parser, sourceType: 'module' } },
  },
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'vue/multi-word-component-names': 'off',
    },
  },
  {
    // The pure core: no clocks, no randomness, no I/O.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        ...[
          'setTimeout',
          'setInterval',
          'setImmediate',
          'clearTimeout',
          'clearInterval',
          'clearImmediate',
          'queueMicrotask',
          'performance',
          'process',
          'fetch',
          'XMLHttpRequest',
          'WebSocket',
          'require',
        ].map((name) => ({
          name,
          message: 'Core code has no timers, clocks or I/O: the host provides them',
        })),
        { name: 'crypto', message: 'Core code draws randomness from the seeded Rng (hashes: @noble/hashes)' },
        { name: 'Date', message: 'Core code has no clock: time comes from the host' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Use the seeded Rng from src/core/rng.ts' },
        { object: 'globalThis', message: 'Core code reaches nothing outside its inputs' },
      ],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            'node:*',
            'fs',
            'fs/*',
            'net',
            'http',
            'https',
            'os',
            'path',
            'crypto',
            'timers',
            'timers/*',
            'worker_threads',
            'child_process',
            'perf_hooks',
            '**/main/**',
            '**/renderer/**',
            'electron',
            'better-sqlite3',
            'ws',
          ],
        },
      ],
    },
  },
  prettier,
)
