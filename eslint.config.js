import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import vue from 'eslint-plugin-vue'
import vueParser from 'vue-eslint-parser'
import prettier from 'eslint-config-prettier'
import globals from 'globals'

// What the pure core may not import (see its block below).
const CORE_IMPORT_PATTERNS = [
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
]

/**
 * An algorithm's light part (src/core/protocols/catalog.ts, description.ts, <kind>/describe.ts)
 * is what shared/ and the renderer read of it: it imports zod, shared/ and other descriptions,
 * never protocol code (a factory, node, checker...), so a screen never loads it.
 */
const LIGHT_ALGORITHM_FILES = [
  'src/core/protocols/catalog.ts',
  'src/core/protocols/description.ts',
  'src/core/protocols/*/describe.ts',
]
const LIGHT_ONLY = {
  regex: '^\\.(?!(\\./|/)(description|[\\w-]+/describe)$|\\./(\\.\\./)*shared/)',
  message: 'An algorithm description imports only zod, shared/ and descriptions: no protocol code',
}
/** shared/ and the renderer reach into core only for the algorithms' light part. */
const CORE_BUT_LIGHT = {
  regex: '(^|/)core/(?!protocols/(catalog|description|[\\w-]+/describe)$)',
  message:
    'shared/ and the renderer import from core only the algorithm descriptions (core/protocols/catalog, <kind>/describe)',
}

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
      'no-restricted-imports': ['error', { patterns: CORE_IMPORT_PATTERNS }],
    },
  },
  {
    files: LIGHT_ALGORITHM_FILES,
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: CORE_IMPORT_PATTERNS }, LIGHT_ONLY] }],
    },
  },
  {
    files: ['src/shared/**/*.ts', 'src/renderer/**/*.ts', 'src/renderer/**/*.vue'],
    rules: { 'no-restricted-imports': ['error', { patterns: [CORE_BUT_LIGHT] }] },
  },
  prettier,
)
