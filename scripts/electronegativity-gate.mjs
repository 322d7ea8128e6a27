#!/usr/bin/env node
// The gate over scripts/electronegativity.mjs's report: fails (exit 1) on any HIGH finding,
// on a file Electronegativity could not parse (it would be skipped silently), or on a report
// that scanned nothing; lists every other finding, marking those SECURITY.md does not explain.
//
// Usage: node scripts/electronegativity-gate.mjs [REPORT.json]
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const reportFile = resolve(process.argv[2] ?? join(root, 'test-results/security/electronegativity.json'))
const ORDER = ['HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL']

if (!existsSync(reportFile)) {
  console.error(`gate: no report at ${reportFile}; run: node scripts/electronegativity.mjs`)
  process.exit(1)
}
const report = JSON.parse(readFileSync(reportFile, 'utf8'))
const securityMd = existsSync(join(root, 'SECURITY.md'))
  ? readFileSync(join(root, 'SECURITY.md'), 'utf8')
  : ''

const problems = []
if (!report.targets?.length) problems.push('the report scanned no directory')
if (!report.targets?.some((t) => t.input === 'src')) problems.push('src/ was not scanned')

const findings = []
for (const t of report.targets ?? []) {
  if (!(t.checks?.atomic > 0)) problems.push(`${t.input}/: no checks ran`)
  for (const e of t.errors ?? []) {
    if (!e.tolerable) problems.push(`${e.file}: not parsed, so not checked (${e.message})`)
  }
  findings.push(...(t.issues ?? []))
}
findings.sort((a, b) => ORDER.indexOf(a.severity) - ORDER.indexOf(b.severity) || a.file.localeCompare(b.file))

const high = findings.filter((f) => f.severity === 'HIGH')
console.log(
  `${report.tool} (Electron ${report.electronVersion}; excluded: ${report.excluded.join(', ') || 'none'})`,
)
for (const t of report.targets ?? []) {
  console.log(`  ${t.input}/: ${t.issues.length} findings, ${t.errors.length} parse errors`)
}
if (findings.length === 0) console.log('no findings')
for (const f of findings) {
  // SECURITY.md explains a finding when its table has a row naming the check and the file.
  const explained = securityMd
    .split('\n')
    .some((line) => line.startsWith('|') && line.includes(f.id) && line.includes(f.file))
  const tag = f.severity === 'HIGH' ? 'FAIL' : explained ? 'ok  ' : 'note'
  console.log(
    `${tag} ${f.severity.padEnd(6)} ${f.confidence.padEnd(9)} ${f.id}  ${f.file}:${f.line}:${f.column}` +
      `\n       ${f.description}${f.sample && f.sample !== 'N/A' ? `\n       > ${String(f.sample).slice(0, 160)}` : ''}` +
      (f.severity !== 'HIGH' && !explained
        ? '\n       (not explained in SECURITY.md: add a row or fix it)'
        : ''),
  )
}
for (const p of problems) console.error(`FAIL ${p}`)
if (high.length > 0 || problems.length > 0) {
  console.error(`gate: ${high.length} HIGH finding(s), ${problems.length} other problem(s)`)
  process.exit(1)
}
console.log(`gate: 0 HIGH findings; ${findings.length} lower finding(s) listed above`)
