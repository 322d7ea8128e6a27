// Bad client histories for `quorum-lab check` (2 s budget, a time limit per input):
// malformed lines, impossible orders, extreme numbers, huge and deep inputs, hostile bytes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cliOutcome, hostileCli, JOBS, pool, type HostileResult, type HostileSection } from './section'

const CHECK_MS = 60_000

const line = (o: Record<string, unknown>): string => JSON.stringify(o)
const inv = (p: number, f: string, key: string, time: number, value?: unknown): string =>
  line({ process: p, type: 'invoke', f, key, time, ...(value !== undefined ? { value } : {}) })
const ok = (p: number, f: string, key: string, time: number, extra: Record<string, unknown> = {}): string =>
  line({ process: p, type: 'ok', f, key, time, ...extra })

/** Many concurrent writers and readers of one key: a hard search for the checker. */
function contended(ops: number): string {
  const out: string[] = []
  for (let i = 0; i < ops; i++) {
    const p = i % 16
    const t = Math.floor(i / 16) * 10
    if (i % 3 === 0) out.push(inv(p, 'get', 'k', t), ok(p, 'get', 'k', t + 25, { value: String(i % 7) }))
    else out.push(inv(p, 'put', 'k', t, String(i % 7)), ok(p, 'put', 'k', t + 25))
  }
  return out.join('\n')
}

export function historyCases(): Array<{ name: string; text: string | Buffer }> {
  const good = [inv(1, 'put', 'k', 1, 'a'), ok(1, 'put', 'k', 2)]
  return [
    { name: 'empty file', text: '' },
    { name: 'only blank lines', text: '\n\n   \n' },
    { name: 'not JSON', text: 'hello\n' },
    { name: 'a JSON array line', text: '[1,2,3]\n' },
    { name: 'null line', text: 'null\n' },
    { name: 'missing process', text: line({ type: 'invoke', f: 'get', key: 'k', time: 1 }) },
    {
      name: 'process as a string',
      text: line({ process: 'p1', type: 'invoke', f: 'get', key: 'k', time: 1 }),
    },
    { name: 'process 1e300', text: line({ process: 1e300, type: 'invoke', f: 'get', key: 'k', time: 1 }) },
    { name: 'unknown type', text: line({ process: 1, type: 'maybe', f: 'get', key: 'k', time: 1 }) },
    { name: 'unknown f', text: line({ process: 1, type: 'invoke', f: 'rm', key: 'k', time: 1 }) },
    {
      name: 'time as a string',
      text: line({ process: 1, type: 'invoke', f: 'get', key: 'k', time: 'noon' }),
    },
    { name: 'time 1e300', text: [inv(1, 'put', 'k', 1e300, 'a'), ok(1, 'put', 'k', 1e300)].join('\n') },
    { name: 'time -1e300', text: [inv(1, 'put', 'k', -1e300, 'a'), ok(1, 'put', 'k', 1)].join('\n') },
    {
      name: 'completion before its invoke',
      text: [inv(1, 'put', 'k', 10, 'a'), ok(1, 'put', 'k', 5)].join('\n'),
    },
    { name: 'completion without an invoke', text: ok(1, 'put', 'k', 5) },
    {
      name: 'two invokes, one process',
      text: [inv(1, 'put', 'k', 1, 'a'), inv(1, 'put', 'k', 2, 'b')].join('\n'),
    },
    { name: 'completion f differs', text: [inv(1, 'put', 'k', 1, 'a'), ok(1, 'get', 'k', 2)].join('\n') },
    { name: 'completion key differs', text: [inv(1, 'put', 'k', 1, 'a'), ok(1, 'put', 'j', 2)].join('\n') },
    {
      name: 'cas value not a pair',
      text: [inv(1, 'cas', 'k', 1, 'a'), ok(1, 'cas', 'k', 2, { result: true })].join('\n'),
    },
    {
      name: 'cas ok without result',
      text: [inv(1, 'cas', 'k', 1, ['a', 'b']), ok(1, 'cas', 'k', 2)].join('\n'),
    },
    { name: 'get ok without value', text: [inv(1, 'get', 'k', 1), ok(1, 'get', 'k', 2)].join('\n') },
    { name: 'value an object', text: [inv(1, 'put', 'k', 1, { a: 1 }), ok(1, 'put', 'k', 2)].join('\n') },
    {
      name: 'key 1 MB long',
      text: [inv(1, 'put', 'x'.repeat(1 << 20), 1, 'a'), ok(1, 'put', 'x'.repeat(1 << 20), 2)].join('\n'),
    },
    { name: 'one 20 MB line', text: inv(1, 'put', 'k', 1, 'v'.repeat(20 << 20)) },
    { name: 'nested 100,000 deep', text: `${'['.repeat(100_000)}${']'.repeat(100_000)}` },
    {
      name: 'escape sequences in a field name',
      text: `{"process":1,"type":"invoke","f":"get","key":"k","time":1,"\\u001b[2J":1}`,
    },
    {
      name: 'escape sequences in type',
      text: line({ process: 1, type: '\u001b[31minvoke', f: 'get', key: 'k', time: 1 }),
    },
    {
      name: 'raw control bytes in a line',
      text: `{"process":1,"type":"invoke\u001b[2J","f":"get","key":"k","time":1}`,
    },
    { name: 'UTF-8 BOM, CRLF line ends', text: `\ufeff${good.join('\r\n')}\r\n` },
    { name: 'invalid UTF-8', text: Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a]) },
    {
      name: '__proto__ field',
      text: `{"__proto__":{"polluted":1},"process":1,"type":"invoke","f":"get","key":"k","time":1}`,
    },
    {
      name: '100,000 keys, one op each',
      text: Array.from({ length: 100_000 }, (_, i) =>
        [inv(i % 50, 'put', `k${i}`, i * 2, 'a'), ok(i % 50, 'put', `k${i}`, i * 2 + 1)].join('\n'),
      ).join('\n'),
    },
    { name: '3,000 contended ops on one key (budget 2 s)', text: contended(3000) },
    {
      name: '100,000 never-completed invokes',
      text: Array.from({ length: 100_000 }, (_, i) => inv(i, 'put', 'k', i, String(i))).join('\n'),
    },
  ]
}

export const historiesSection: HostileSection = {
  name: 'bad histories (check)',
  async run(): Promise<HostileResult[]> {
    const dir = mkdtempSync(join(tmpdir(), 'ql-hostile-hist-'))
    try {
      const cases = historyCases()
      return await pool(
        JOBS,
        cases.map((c, i) => async (): Promise<HostileResult> => {
          const file = join(dir, `h-${i}.jsonl`)
          writeFileSync(file, c.text)
          const r = cliOutcome(await hostileCli(['check', file, '--budget', '2000'], CHECK_MS))
          return { input: c.name, outcome: r.outcome, detail: r.detail }
        }),
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  },
}
