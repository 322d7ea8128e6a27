// The per-node write-ahead log: one append-only file of the protocol's durable records.
//
// Record format: [u32 LE body length][u32 LE CRC-32 of the body][body: MessagePack record].
// Appends are batched (one write per ready() drain); with fsync on, the host makes them
// durable with fdatasync before it sends anything that followed them (persist before send;
// see the group commit in host.ts).
//
// Recovery reads records in order and stops at the first one that is incomplete (a torn
// final write), fails its CRC, or does not decode; the file is truncated there (so new
// appends never follow garbage) and the reason is reported.
//
// Losing unsynced writes (fsync off): a SIGKILLed process loses nothing from the OS page
// cache, so the effect of an OS crash is simulated. With fsync off the node writes each
// batch without syncing; a writeback timer (the host calls `writeback()` every WRITEBACK_MS,
// like the kernel flushing dirty pages) runs fdatasync and then records the synced length in
// a sidecar file `<wal>.synced` (8 bytes, f64 LE; written after the sync, so it never claims
// more than was synced). When the node restarts after a crash with fsync off, the WAL is first
// truncated to the sidecar's length: everything written since the last writeback is lost, as
// if the machine had crashed. With fsync on, every batch is synced before it matters, so a
// restart keeps the whole file.
//
// Compaction (Ready.base: a protocol replaces everything it persisted with one record, e.g. a
// snapshot): the new WAL (the base first, then the records that follow it) is written to
// `<wal>.compact`, fsynced, renamed over the WAL and the directory fsynced; then appends go to
// the new file. A crash at any point leaves either the old WAL or the new one whole: before the
// rename the old file is untouched (a leftover `.compact` is deleted on open), after it the
// new file is complete and synced. Compaction is always durable, fsync on or off. The sidecar
// also keeps the first 8 bytes of the file it describes, so a sidecar left from the old file
// (a crash between the rename and the sidecar's update) is not applied to the new one.
import {
  closeSync,
  existsSync,
  fdatasync,
  fdatasyncSync,
  fstatSync,
  ftruncateSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
  fsyncSync,
} from 'node:fs'
import { dirname } from 'node:path'
import { crc32 } from 'node:zlib'
import { packBody, unpackBody } from './codec'

/** How often a node with fsync off "writes back" (syncs) its WAL, ms. */
export const WRITEBACK_MS = 1000
/** Largest record accepted when reading back (guards against a garbage length). */
export const MAX_RECORD = 64 * 1024 * 1024

const REC_HEADER = 8

export interface WalRecovery {
  records: unknown[]
  /** Valid bytes kept. */
  bytes: number
  /** Bytes discarded because they were written after the last writeback (fsync off, after a crash). */
  lostUnsyncedBytes: number
  /** Records among those discarded bytes (counted before discarding). */
  lostUnsyncedRecords: number
  /** Why the tail of the file was ignored (a torn or corrupt record), or null. */
  tornReason: string | null
}

export interface WalOptions {
  /** Start empty (a new run), ignoring anything in the file. */
  fresh: boolean
  /** fdatasync every append batch. */
  fsync: boolean
  /** Discard bytes past the sidecar's synced length (restart after a crash with fsync off). */
  dropUnsynced: boolean
}

function u32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0
}

/** Parse records from a WAL image; stops at the first bad one. */
export function parseWal(buf: Uint8Array): { records: unknown[]; bytes: number; tornReason: string | null } {
  const records: unknown[] = []
  let off = 0
  while (off < buf.length) {
    const rest = buf.length - off
    if (rest < REC_HEADER) {
      return { records, bytes: off, tornReason: `torn record header at byte ${off}: only ${rest} of 8 bytes` }
    }
    const len = u32(buf, off)
    const crc = u32(buf, off + 4)
    if (len > MAX_RECORD) {
      return {
        records,
        bytes: off,
        tornReason: `record at byte ${off} claims ${len} bytes (over ${MAX_RECORD}); header ${Buffer.from(buf.subarray(off, off + 8)).toString('hex')}`,
      }
    }
    if (rest < REC_HEADER + len) {
      return {
        records,
        bytes: off,
        tornReason: `torn final record at byte ${off}: ${rest - REC_HEADER} of ${len} body bytes present`,
      }
    }
    const body = buf.subarray(off + REC_HEADER, off + REC_HEADER + len)
    const actual = crc32(body) >>> 0
    if (actual !== crc) {
      return {
        records,
        bytes: off,
        tornReason: `record at byte ${off} fails its CRC (stored ${crc.toString(16)}, computed ${actual.toString(16)})`,
      }
    }
    try {
      records.push(unpackBody(body, 0, body.length))
    } catch (e) {
      return {
        records,
        bytes: off,
        tornReason: `record at byte ${off} does not decode: ${(e as Error).message}`,
      }
    }
    off += REC_HEADER + len
  }
  return { records, bytes: off, tornReason: null }
}

/** Encode records into one buffer (one write). */
export function encodeRecords(records: readonly unknown[]): Buffer {
  const bodies = records.map((r) => packBody(r))
  let total = 0
  for (const b of bodies) total += REC_HEADER + b.length
  const out = Buffer.allocUnsafe(total)
  let o = 0
  for (const b of bodies) {
    out.writeUInt32LE(b.length, o)
    out.writeUInt32LE(crc32(b) >>> 0, o + 4)
    b.copy(out, o + REC_HEADER)
    o += REC_HEADER + b.length
  }
  return out
}

/** Bytes of the WAL's start the sidecar keeps, to know which file it describes. */
const HEAD = 8

/**
 * The synced length the sidecar claims for a WAL starting with `head`: null when the sidecar
 * describes another file (a compaction replaced it; the new file was synced whole).
 */
function readSynced(path: string, head: Buffer): number | null {
  try {
    const b = readFileSync(path)
    if (b.length !== 8 && b.length !== 8 + HEAD) return 0
    if (b.length === 8 + HEAD && !b.subarray(8).equals(head)) return null
    const v = b.readDoubleLE(0)
    return Number.isInteger(v) && v >= 0 ? v : 0
  } catch {
    return 0
  }
}

/** The first HEAD bytes of a WAL image (zeros past its end). */
function headOf(image: Uint8Array): Buffer {
  const h = Buffer.alloc(HEAD)
  h.set(image.subarray(0, HEAD))
  return h
}

/** Make a rename in `dir` durable (POSIX; Windows has no directory handles to sync). */
function fsyncDir(dir: string): void {
  if (process.platform === 'win32') return
  const fd = openSync(dir, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

export class Wal {
  private fd: number
  private sideFd: number
  private size: number
  private syncedSize: number
  private readonly side = Buffer.alloc(8 + HEAD)
  /** The file's first bytes (which file the sidecar describes). */
  private head: Buffer
  /** Bumped by every compaction: a sync started before it was on the replaced file. */
  private fileGen = 0
  /** Asynchronous syncs running per descriptor; a replaced one is closed when its last ends. */
  private readonly syncsRunning = new Map<number, number>()
  private readonly retired = new Set<number>()
  /** fdatasync calls made (for figures). */
  syncs = 0
  /** Compactions done (for figures). */
  compactions = 0

  private constructor(
    readonly path: string,
    private readonly fsync: boolean,
    fd: number,
    sideFd: number,
    size: number,
    head: Buffer,
  ) {
    this.fd = fd
    this.sideFd = sideFd
    this.size = size
    this.syncedSize = size
    this.head = head
  }

  /** Open (or create) the WAL at `path` and recover its records. */
  static open(path: string, opts: WalOptions): { wal: Wal; recovery: WalRecovery } {
    const sidePath = `${path}.synced`
    let lostUnsyncedBytes = 0
    let lostUnsyncedRecords = 0
    let records: unknown[] = []
    let bytes = 0
    let tornReason: string | null = null
    let head: Buffer = Buffer.alloc(HEAD)
    // A compaction that never reached its rename: the old WAL is the whole truth.
    rmSync(`${path}.compact`, { force: true })
    const fd = openSync(path, 'a+')
    try {
      if (opts.fresh) {
        ftruncateSync(fd, 0)
      } else {
        const image = readFileSync(path)
        head = headOf(image)
        let limit = image.length
        if (opts.dropUnsynced) {
          const claimed = readSynced(sidePath, head)
          const synced = Math.min(claimed ?? image.length, image.length)
          if (synced < image.length) {
            lostUnsyncedBytes = image.length - synced
            lostUnsyncedRecords = parseWal(image.subarray(synced)).records.length
            limit = synced
          }
        }
        const parsed = parseWal(image.subarray(0, limit))
        records = parsed.records
        bytes = parsed.bytes
        tornReason = parsed.tornReason
        if (bytes < image.length) {
          ftruncateSync(fd, bytes)
          fdatasyncSync(fd)
        }
      }
    } catch (e) {
      closeSync(fd)
      throw e
    }
    const sideFd = openSync(sidePath, 'w')
    const wal = new Wal(path, opts.fsync, fd, sideFd, bytes, head)
    wal.writeSide()
    return { wal, recovery: { records, bytes, lostUnsyncedBytes, lostUnsyncedRecords, tornReason } }
  }

  get length(): number {
    return this.size
  }

  /** Append a batch of records; with fsync on, durable when this returns. */
  append(records: readonly unknown[]): void {
    this.write(records)
    if (this.fsync) {
      fdatasyncSync(this.fd)
      this.syncs++
      this.syncedSize = this.size
    }
  }

  /** Write a batch of records (to the OS; not yet durable: see sync()). */
  write(records: readonly unknown[]): void {
    if (records.length === 0) return
    const buf = encodeRecords(records)
    if (this.size === 0) this.head = headOf(buf)
    let o = 0
    while (o < buf.length) o += writeSync(this.fd, buf, o, buf.length - o)
    this.size += buf.length
  }

  /**
   * fdatasync everything written so far, off the event loop (libuv's thread pool); `done`
   * gets null once it is durable, or the error.
   */
  sync(done: (err: Error | null) => void): void {
    const size = this.size
    const fd = this.fd
    const gen = this.fileGen
    this.syncsRunning.set(fd, (this.syncsRunning.get(fd) ?? 0) + 1)
    fdatasync(fd, (err) => {
      const left = (this.syncsRunning.get(fd) ?? 1) - 1
      if (left > 0) this.syncsRunning.set(fd, left)
      else {
        this.syncsRunning.delete(fd)
        if (this.retired.delete(fd)) closeSync(fd)
      }
      // The file was replaced meanwhile: the compaction made everything before it durable.
      if (gen !== this.fileGen) return done(null)
      if (err) return done(err)
      this.syncs++
      if (size > this.syncedSize) this.syncedSize = size
      done(null)
    })
  }

  /**
   * Replace the whole WAL with `records` (a protocol's base record, then what follows it),
   * crash-safely: written to a temporary file, synced, renamed over the WAL, directory synced.
   * Durable when this returns.
   */
  compact(records: readonly unknown[]): void {
    const tmp = `${this.path}.compact`
    const buf = encodeRecords(records)
    const tfd = openSync(tmp, 'w')
    try {
      let o = 0
      while (o < buf.length) o += writeSync(tfd, buf, o, buf.length - o)
      fsyncSync(tfd)
    } finally {
      closeSync(tfd)
    }
    renameSync(tmp, this.path)
    fsyncDir(dirname(this.path))
    // Appends go to the new file; the old descriptor closes once no sync runs on it.
    const old = this.fd
    this.fd = openSync(this.path, 'a+')
    this.fileGen++
    if (this.syncsRunning.has(old)) this.retired.add(old)
    else closeSync(old)
    this.size = buf.length
    this.syncedSize = buf.length
    this.head = headOf(buf)
    this.compactions++
    this.writeSide()
  }

  /** fsync off: sync what was written and record the synced length (the kernel's writeback). */
  writeback(): void {
    if (this.syncedSize === this.size) return
    fdatasyncSync(this.fd)
    this.syncs++
    this.syncedSize = this.size
    this.writeSide()
  }

  private writeSide(): void {
    this.side.writeDoubleLE(this.syncedSize, 0)
    this.head.copy(this.side, 8)
    writeSync(this.sideFd, this.side, 0, 8 + HEAD, 0)
  }

  close(): void {
    if (this.fd >= 0) {
      if (this.fsync) this.writeSide()
      closeSync(this.fd)
      closeSync(this.sideFd)
      this.fd = -1
      this.sideFd = -1
    }
  }

  /** Current file size on disk (tests). */
  diskSize(): number {
    return fstatSync(this.fd).size
  }
}

export function walExists(path: string): boolean {
  return existsSync(path)
}
