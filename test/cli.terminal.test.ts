// No raw control character from a bad file (or argument) reaches the terminal: escape
// sequences in a field name, a run name or a run id are printed as visible escapes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { terminalText } from '../src/main/cli/terminal'
import { labCli, type CliResult } from './cli.helpers'

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ql-cli-term-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Clear screen, red text, retitle the window (OSC ... BEL), a bidi override and a C1 CSI. */
const HOSTILE = '\u001b[2J\u001b[31mred\u001b]0;pwned\u0007\u202eevil\u009b1m'
// eslint-disable-next-line no-control-regex
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/

function file(name: string, text: string): string {
  const p = join(dir, name)
  writeFileSync(p, text)
  return p
}

function expectClean(r: CliResult, what: string): void {
  expect(r.stdout + r.stderr, what).not.toMatch(RAW)
}

describe('terminalText', () => {
  it('escapes control characters but keeps line feeds and tabs', () => {
    expect(terminalText(`a\tb\nc${HOSTILE}`)).toBe(
      'a\tb\nc\\x1b[2J\\x1b[31mred\\x1b]0;pwned\\x07\\u202eevil\\x9b1m',
    )
    expect(terminalText('plain text, ünïcödé ✓')).toBe('plain text, ünïcödé ✓')
    expect(terminalText('\r\u0000\u007f')).toBe('\\x0d\\x00\\x7f')
  })
})

describe('the CLI prints no raw control character', () => {
  it('from a spec field name, a spec value, a history field and a run file', async () => {
    const data = join(dir, 'data')
    const key = JSON.stringify(`x${HOSTILE}`)
    const spec = file('spec.json', `{${key}: 1, "durationMs": 300, "name": ${JSON.stringify(`n${HOSTILE}`)}}`)
    const v = await labCli(['validate', spec])
    expect(v.code).toBe(2)
    expect(v.stderr).toContain('\\x1b[2J')
    expectClean(v, 'validate')

    const history = file(
      'h.jsonl',
      `{"process": 1, "type": ${JSON.stringify(`invoke${HOSTILE}`)}, "f": "get", "key": "k", "time": 1, ${key}: 2}\n`,
    )
    const c = await labCli(['check', history])
    expect(c.code).toBe(2)
    expectClean(c, 'check')

    const imp = await labCli(['import-run', history, '--data', data])
    expect(imp.code).toBe(2)
    expect(imp.stderr).toContain('\\x1b')
    expectClean(imp, 'import-run')

    // A spec whose name carries escapes runs, and is printed escaped.
    const named = file('named.json', JSON.stringify({ name: `n${HOSTILE}`, durationMs: 300 }))
    const run = await labCli(['run', named, '--data', data])
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toContain('n\\x1b[2J')
    expectClean(run, 'run')
    const list = await labCli(['list', '--data', data])
    expectClean(list, 'list')

    const show = await labCli(['show', `x${HOSTILE}`, '--data', data])
    expect(show.code).toBe(2)
    expectClean(show, 'show')
    const opt = await labCli(['list', `--bogus${HOSTILE}`, '--data', data])
    expect(opt.code).toBe(2)
    expectClean(opt, 'an unknown option')
  }, 60_000)
})
