// A child process for test/wal.compaction.test.ts: appends numbered records to a WAL (fsync on)
// and compacts it every few records behind a large base record, forever, until it is killed.
// It resumes from whatever the WAL recovered, so each incarnation continues the sequence.
import { Wal } from '../src/main/node/wal'

const path = process.argv[2]
const PAD = 'x'.repeat(Number(process.argv[3] ?? 2_000_000))
const { wal, recovery } = Wal.open(path, { fresh: false, fsync: true, dropUnsynced: false })
let n = 0
for (const r of recovery.records as Array<{ base?: number; n?: number }>) {
  if (r.base !== undefined) n = r.base
  else if (r.n !== undefined) n = r.n
}
process.stdout.write(`ready ${n}\n`)
for (;;) {
  const batch = [{ n: n + 1 }, { n: n + 2 }, { n: n + 3 }]
  wal.append(batch)
  n += batch.length
  if (n % 12 === 0) wal.compact([{ base: n, pad: PAD }, { n: n + 1 }])
  if (n % 12 === 0) n += 1
}
