// Damaged database files: a real data folder (two recorded runs), copied and damaged one
// way per variant (pages overwritten, the file cut short, a foreign or newer file...), then
// list / show / export / run / doctor on each copy. The outcome says how the command
// ended and whether the file was changed or -wal / -shm files were left beside it.
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { copyData, makeLabData, overwrite, sha, sidecars, truncateTo } from '../../test/damage.fixtures'
import { cliOutcome, hostileCli, JOBS, pool, type HostileResult, type HostileSection } from './section'

const CMD_MS = 60_000
const KiB = 1024

function writeAt(file: string, at: number, bytes: Buffer): void {
  const fd = openSync(file, 'r+')
  try {
    writeSync(fd, bytes, 0, bytes.length, at)
  } finally {
    closeSync(fd)
  }
}

function append(file: string, bytes: number): void {
  const fd = openSync(file, 'a')
  try {
    writeSync(fd, Buffer.alloc(bytes, 0xa5))
  } finally {
    closeSync(fd)
  }
}

/** Each variant damages (or replaces) the copied file. */
const VARIANTS: Array<{ name: string; damage: (file: string) => void }> = [
  { name: 'healthy (control)', damage: () => {} },
  { name: '256 KiB of noise at the middle', damage: (f) => overwrite(f) },
  {
    name: '256 KiB of zeros at the middle',
    damage: (f) => writeAt(f, Math.floor(statSync(f).size / 2), Buffer.alloc(256 * KiB)),
  },
  { name: 'noise over the schema page (bytes 100..4096)', damage: (f) => overwrite(f, 4096 - 100, 100) },
  { name: 'header zeroed (first 100 bytes)', damage: (f) => writeAt(f, 0, Buffer.alloc(100)) },
  { name: 'header page size 0x1234', damage: (f) => writeAt(f, 16, Buffer.from([0x12, 0x34])) },
  {
    name: '32 scattered 4 KiB pages of noise',
    damage: (f) => {
      const size = statSync(f).size
      for (let i = 1; i <= 32; i++) overwrite(f, 4 * KiB, Math.floor((size * i) / 34 / 4096) * 4096, i)
    },
  },
  { name: 'last page noise', damage: (f) => overwrite(f, 4 * KiB, statSync(f).size - 4 * KiB) },
  { name: 'truncated to 99.9%', damage: (f) => truncateTo(f, 0.999) },
  { name: 'truncated to 50%', damage: (f) => truncateTo(f, 0.5) },
  { name: 'truncated to 10%', damage: (f) => truncateTo(f, 0.1) },
  { name: 'truncated to 100 bytes', damage: (f) => truncateSync(f, 100) },
  { name: 'truncated to 0 bytes', damage: (f) => truncateSync(f, 0) },
  { name: '17 bytes appended (not whole pages)', damage: (f) => append(f, 17) },
  { name: '1 MiB appended', damage: (f) => append(f, 1024 * KiB) },
  {
    name: 'a garbage -wal file beside it',
    damage: (f) => writeFileSync(`${f}-wal`, Buffer.alloc(64 * KiB, 0x5a)),
  },
  { name: 'a text file', damage: (f) => writeFileSync(f, 'not a database\n') },
  {
    name: "another application's SQLite file",
    damage: (f) => {
      rmSync(f)
      const db = new Database(f)
      db.exec(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users (name) VALUES ('ada')",
      )
      db.close()
    },
  },
  {
    name: 'schema version 99 (a newer Quorum Lab)',
    damage: (f) => {
      const db = new Database(f)
      db.pragma('user_version = 99')
      db.close()
    },
  },
  {
    name: 'a directory named quorum-lab.db',
    damage: (f) => {
      rmSync(f)
      mkdirSync(f)
    },
  },
]

export const databaseSection: HostileSection = {
  name: 'damaged database files',
  async run(): Promise<HostileResult[]> {
    const dir = mkdtempSync(join(tmpdir(), 'ql-hostile-db-'))
    try {
      const { runIds } = await makeLabData(join(dir, 'good'), 2)
      const spec = join(dir, 'short.json')
      writeFileSync(spec, JSON.stringify({ name: 'short', cluster: { nodes: 3 }, durationMs: 300 }))
      const commands: Array<{ name: string; args: (data: string) => string[] }> = [
        { name: 'list', args: () => ['list'] },
        { name: 'show', args: () => ['show', runIds[0]] },
        { name: 'export', args: (d) => ['export', runIds[1], '--what', 'trace', '--out', `${d}.csv`] },
        { name: 'run', args: () => ['run', spec] },
        { name: 'doctor', args: () => ['doctor'] },
      ]
      const tasks = VARIANTS.flatMap((v, i) =>
        commands.map((c) => async (): Promise<HostileResult> => {
          const data = join(dir, `v${i}-${c.name}`)
          const file = copyData(join(dir, 'good'), data)
          v.damage(file)
          const isFile = existsSync(file) && statSync(file).isFile()
          const before = isFile ? sha(file) : ''
          const had = sidecars(file)
          const r = cliOutcome(await hostileCli([...c.args(data), '--data', data], CMD_MS))
          let outcome = r.outcome
          if (isFile && sha(file) !== before) outcome += ' + file changed'
          if (sidecars(file).length > had.length) outcome += ' + -wal/-shm left'
          return { input: `${v.name}: ${c.name}`, outcome, detail: r.detail }
        }),
      )
      return await pool(JOBS, tasks)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  },
}
