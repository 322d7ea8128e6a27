// Bad experiment specs: each is given to `validate` and to a short `run` (simulation, its
// own data folder), each with a time limit. Cases: every numeric field at 1e300, 1e12 and
// 1e-300 (on the example spec, shortened to 2 s), numbers written as strings ("NaN",
// "Infinity", "1e309"...), wrong types, unknown fields at every level, and malformed files.
// What happens is reported, not judged: a spec the simulator cannot bound may time out.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cliOutcome, hostileCli, JOBS, pool, type HostileResult, type HostileSection } from './section'

const VALIDATE_MS = 20_000
const RUN_MS = 25_000

type Json = unknown
type Spec = Record<string, unknown>

function base(): Spec {
  const s = JSON.parse(readFileSync('examples/raft-5-basic.json', 'utf8')) as Spec
  return { ...s, durationMs: 2000 }
}

/** A copy of `s` with `path` (dotted, numeric parts index arrays) set to `value`. */
function setPath(s: Spec, path: string, value: Json): Spec {
  const out = structuredClone(s)
  const parts = path.split('.')
  let cur = out as Record<string, unknown>
  for (let i = 0; i < parts.length - 1; i++) {
    const p = parts[i]
    if (typeof cur[p] !== 'object' || cur[p] === null) cur[p] = /^\d+$/.test(parts[i + 1]) ? [] : {}
    cur = cur[p] as Record<string, unknown>
  }
  cur[parts[parts.length - 1]] = value
  return out
}

/** Faults carrying each numeric fault field (the field under test is set on them). */
const FAULTS: Record<string, Spec> = {
  partition: { atMs: 500, forMs: 500, kind: 'partition', shape: 'majorities-ring' },
  crash: { atMs: 500, kind: 'crash', target: 'leader', restartAfterMs: 300 },
  pause: { atMs: 500, forMs: 300, kind: 'pause', target: 'n2' },
  delay: { atMs: 500, forMs: 500, kind: 'delay', latencyMs: 20, jitterMs: 5 },
  drop: { atMs: 500, forMs: 500, kind: 'drop', probability: 0.2 },
  clock: { atMs: 100, forMs: 100, kind: 'clock', target: 'n1', rate: 2 },
}

const NUMERIC_FIELDS: Array<{ field: string; fault?: keyof typeof FAULTS }> = [
  { field: 'durationMs' },
  { field: 'seed' },
  { field: 'cluster.nodes' },
  { field: 'cluster.tickMs' },
  { field: 'algorithm.params.electionTimeoutTicks.1' },
  { field: 'algorithm.params.heartbeatTicks' },
  { field: 'algorithm.params.maxBatch' },
  { field: 'workload.clients' },
  { field: 'workload.ratePerSec' },
  { field: 'workload.keys' },
  { field: 'workload.zipfExponent' },
  { field: 'workload.mix.read' },
  { field: 'workload.timeoutMs' },
  { field: 'network.latencyMs' },
  { field: 'network.jitterMs' },
  { field: 'network.dropProbability' },
  { field: 'faults.0.atMs', fault: 'partition' },
  { field: 'faults.0.forMs', fault: 'partition' },
  { field: 'faults.0.restartAfterMs', fault: 'crash' },
  { field: 'faults.0.forMs', fault: 'pause' },
  { field: 'faults.0.latencyMs', fault: 'delay' },
  { field: 'faults.0.jitterMs', fault: 'delay' },
  { field: 'faults.0.probability', fault: 'drop' },
  { field: 'faults.0.rate', fault: 'clock' },
  { field: 'faults.0.jumpMs', fault: 'clock' },
  { field: 'faults.0.forMs', fault: 'clock' },
]

interface Case {
  name: string
  /** The file's text (a spec object is written as JSON). */
  text: string
}

function specCase(name: string, spec: Json): Case {
  return { name, text: JSON.stringify(spec) }
}

export function specCases(): Case[] {
  const cases: Case[] = []
  // The issue's case: the example plus a 1e12 ms clock jump.
  const ex = JSON.parse(readFileSync('examples/raft-5-basic.json', 'utf8')) as Spec
  cases.push(
    specCase('example + clock jumpMs 1e12 (issue 17)', {
      ...ex,
      faults: [{ atMs: 100, forMs: 100, kind: 'clock', target: 'n1', jumpMs: 1e12 }],
    }),
  )
  for (const { field, fault } of NUMERIC_FIELDS) {
    const b = fault ? { ...base(), faults: [FAULTS[fault]] } : base()
    for (const v of [1e300, 1e12, 1e-300])
      cases.push(specCase(`${fault ? `${fault} ` : ''}${field} = ${v}`, setPath(b, field, v)))
  }
  for (const field of ['durationMs', 'cluster.nodes', 'workload.ratePerSec', 'network.latencyMs'])
    for (const v of ['NaN', 'Infinity', '-Infinity', '1e309', '0x10', ' 5 '])
      cases.push(specCase(`${field} = "${v}"`, setPath(base(), field, v)))
  for (const [name, spec] of [
    ['cluster.nodes = null', setPath(base(), 'cluster.nodes', null)],
    ['cluster.nodes = true', setPath(base(), 'cluster.nodes', true)],
    ['cluster.nodes = []', setPath(base(), 'cluster.nodes', [])],
    ['cluster.nodes = {}', setPath(base(), 'cluster.nodes', {})],
    ['cluster.nodes = -1', setPath(base(), 'cluster.nodes', -1)],
    ['cluster.nodes = 2.5', setPath(base(), 'cluster.nodes', 2.5)],
    ['algorithm = "raft"', setPath(base(), 'algorithm', 'raft')],
    ['algorithm.kind = "__proto__"', setPath(base(), 'algorithm.kind', '__proto__')],
    ['faults = {}', setPath(base(), 'faults', {})],
    [
      'faults = 1001 crashes',
      setPath(
        base(),
        'faults',
        Array.from({ length: 1001 }, () => FAULTS.crash),
      ),
    ],
    ['faults[0].kind = "meteor"', setPath(base(), 'faults', [{ atMs: 1, kind: 'meteor' }])],
    ['faults[0].target = "n99"', setPath(base(), 'faults', [{ ...FAULTS.crash, target: 'n99' }])],
    ['mode = "telepathy"', setPath(base(), 'mode', 'telepathy')],
    ['name = 10,000 characters', setPath(base(), 'name', 'x'.repeat(10_000))],
    ['name with escape sequences', setPath(base(), 'name', 'a\u001b[2J\u001b]0;pwned\u0007b')],
    ['unknown top-level field', { ...base(), extra: 1 }],
    ['unknown field __proto__', JSON.parse(`{"__proto__": {"polluted": true}, "durationMs": 500}`) as Json],
    ['unknown field in cluster', setPath(base(), 'cluster.gpu', true)],
    ['unknown field in workload', setPath(base(), 'workload.burst', 5)],
    ['unknown field in network', setPath(base(), 'network.mtu', 1500)],
    ['unknown field in a fault', setPath(base(), 'faults', [{ ...FAULTS.crash, severity: 'high' }])],
    ['unknown field in params', setPath(base(), 'algorithm.params.turbo', true)],
    ['spec is an array', [base()]],
    ['spec is a number', 42],
    ['spec is null', null],
  ] as Array<[string, Json]>)
    cases.push(specCase(name, spec))
  cases.push({ name: 'empty file', text: '' })
  cases.push({ name: 'not JSON', text: '{"durationMs": 100,' })
  cases.push({ name: 'UTF-8 BOM before the JSON', text: `\ufeff${JSON.stringify(base())}` })
  cases.push({ name: 'duplicate keys (last wins)', text: '{"durationMs": 100, "durationMs": 1e300}' })
  cases.push({ name: 'nested 100,000 deep', text: `${'['.repeat(100_000)}${']'.repeat(100_000)}` })
  cases.push({
    name: '20 MB of whitespace around {}',
    text: `${' '.repeat(10_000_000)}{}${' '.repeat(10_000_000)}`,
  })
  cases.push({
    name: 'binary garbage',
    text: Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 37) & 0xff)).toString('latin1'),
  })
  return cases
}

export const specsSection: HostileSection = {
  name: 'bad specs (validate, then a short run)',
  async run(): Promise<HostileResult[]> {
    const dir = mkdtempSync(join(tmpdir(), 'ql-hostile-specs-'))
    try {
      const cases = specCases()
      return await pool(
        JOBS,
        cases.map((c, i) => async (): Promise<HostileResult> => {
          const file = join(dir, `spec-${i}.json`)
          writeFileSync(file, c.text)
          const v = cliOutcome(await hostileCli(['validate', file], VALIDATE_MS))
          const r = cliOutcome(await hostileCli(['run', file, '--data', join(dir, `data-${i}`)], RUN_MS))
          return {
            input: c.name,
            outcome: `validate ${v.outcome}; run ${r.outcome}`,
            detail: v.outcome === 'exit 0' ? r.detail : v.detail,
          }
        }),
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  },
}
