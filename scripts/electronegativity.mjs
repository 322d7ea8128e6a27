#!/usr/bin/env node
// Runs Electronegativity (@doyensec/electronegativity) over the app's source, and over the
// build in out/ when there is one, and writes every finding to one JSON report (plus a CSV
// per target) for scripts/electronegativity-gate.mjs to judge. `npm run security` runs both.
//
// Offline by design: Electronegativity fetches translations from its own web host at start
// (with retries) and Electron's release list for AVAILABLE_SECURITY_FIXES_GLOBAL_CHECK. This
// script runs it in-process with its HTTP client (`got`) replaced by one that fails at once,
// and that check excluded: the scan needs nothing but the installed package. (Which Electron
// release is current is npm's business: `npm outdated electron`.)
//
// Usage: node scripts/electronegativity.mjs [--out FILE] [DIR...]   (default DIRs: src out)
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)

/** Checks that would need the internet. */
const EXCLUDED_CHECKS = ['AvailableSecurityFixesGlobalCheck']

const args = process.argv.slice(2)
let outFile = join(root, 'test-results/security/electronegativity.json')
const dirs = []
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--out') outFile = resolve(args[++i])
  else dirs.push(args[i])
}
if (dirs.length === 0) dirs.push('src', 'out')

const pkgJson = require.resolve('@doyensec/electronegativity/package.json')
const pkgDir = dirname(pkgJson)
const toolVersion = JSON.parse(readFileSync(pkgJson, 'utf8')).version

// ---- no network: any `require('got')` from inside the package gets a client that fails at once.
const Module = require('node:module')
const originalLoad = Module._load
Module._load = function load(request, parent, isMain) {
  if (request === 'got' && parent?.filename?.startsWith(pkgDir + sep)) {
    const offline = () => Promise.reject(new Error('electronegativity.mjs: network disabled (offline scan)'))
    return Object.assign(offline, { get: offline, stream: offline, extend: () => offline })
  }
  return originalLoad.call(this, request, parent, isMain)
}
// Its translation loader says so on stdout every time; the shipped en-US strings are used.
const log = console.log
console.log = (...a) => {
  if (String(a[0]).startsWith('Could not retrieve updated translations')) return
  log(...a)
}

/** The Electron version the app is built with (installed package, else package.json's range). */
function electronVersion() {
  try {
    return JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version
  } catch {
    const range = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).devDependencies?.electron ?? ''
    const m = /(\d+\.\d+\.\d+)/.exec(range)
    if (!m) throw new Error('cannot tell the Electron version: no electron package and no devDependency')
    return m[1]
  }
}

const run = require('@doyensec/electronegativity')
const version = electronVersion()
const report = {
  tool: `electronegativity ${toolVersion}`,
  electronVersion: version,
  excluded: EXCLUDED_CHECKS,
  targets: [],
}
mkdirSync(dirname(outFile), { recursive: true })

for (const dir of dirs) {
  const input = resolve(root, dir)
  if (!existsSync(input)) {
    log(`electronegativity: ${dir}/ not found, skipped (run \`npm run build\` to scan the build too)`)
    continue
  }
  const csv = outFile.replace(/\.json$/, '') + `-${dir.replace(/[^A-Za-z0-9]+/g, '_')}.csv`
  const result = await run({
    input,
    output: csv,
    isSarif: false,
    customScan: [],
    excludeFromScan: EXCLUDED_CHECKS,
    severitySet: undefined,
    confidenceSet: undefined,
    isRelative: false,
    isVerbose: true,
    electronUpgrade: undefined,
    electronVersionOverride: version,
    parserPlugins: [],
  })
  const rel = (f) => (f && f !== 'N/A' ? relative(root, f) : String(f))
  const target = {
    input: dir,
    checks: { atomic: result.atomicChecks, global: result.globalChecks },
    issues: result.issues.map((i) => ({
      id: i.id,
      severity: i.severity.name,
      confidence: i.confidence.name,
      file: rel(i.file),
      line: i.location?.line ?? 0,
      column: i.location?.column ?? 0,
      sample: i.sample ?? null,
      description: i.description,
      manualReview: Boolean(i.manualReview),
    })),
    errors: result.errors.map((e) => ({ file: rel(e.file), message: e.message, tolerable: e.tolerable })),
  }
  report.targets.push(target)
  log(
    `electronegativity: ${dir}/: ${target.checks.atomic} + ${target.checks.global} checks, ` +
      `${target.issues.length} findings, ${target.errors.length} files not parsed -> ${relative(root, csv)}`,
  )
}

writeFileSync(outFile, JSON.stringify(report, null, 2) + '\n')
log(`electronegativity: report in ${relative(root, outFile)}`)
