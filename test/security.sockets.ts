// Listening TCP sockets of given processes, read from /proc (Linux only): a process's
// sockets are the `socket:[inode]` links in /proc/PID/fd; /proc/PID/net/tcp and tcp6 list
// every TCP socket of its network namespace with its inode, local address and state
// (0A = LISTEN). Used by test/security.sockets.test.ts to prove every listener is on loopback.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs'

export interface ListeningSocket {
  pid: number
  inode: number
  family: 4 | 6
  /** Canonical address: `127.0.0.1`, `0.0.0.0`, `::1`, `::`, `::ffff:7f00:1`, ... */
  address: string
  port: number
}

const TCP_LISTEN = '0A'

/** The socket inodes a process holds open (unreadable fds, e.g. closed meanwhile, are skipped). */
export function socketInodes(pid: number): Set<number> {
  const out = new Set<number>()
  const dir = `/proc/${pid}/fd`
  for (const fd of readdirSync(dir)) {
    let target: string
    try {
      target = readlinkSync(`${dir}/${fd}`)
    } catch {
      continue
    }
    const m = /^socket:\[(\d+)\]$/.exec(target)
    if (m) out.add(Number(m[1]))
  }
  return out
}

/** `0100007F` (little-endian, as /proc prints it) -> `127.0.0.1`. */
function ipv4(hex: string): string {
  const bytes = Buffer.from(hex, 'hex').reverse()
  return [...bytes].join('.')
}

/** 32 hex digits (four little-endian 32-bit words) -> canonical IPv6 text. */
function ipv6(hex: string): string {
  const bytes = Buffer.alloc(16)
  for (let w = 0; w < 4; w++)
    Buffer.from(hex.slice(w * 8, w * 8 + 8), 'hex')
      .reverse()
      .copy(bytes, w * 4)
  const groups: string[] = []
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16))
  // The WHATWG URL parser prints IPv6 in canonical (compressed, lower-case) form.
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1)
}

/** Parse /proc/net/tcp or tcp6 text: the LISTEN rows as {inode, address, port}. */
export function parseProcNetTcp(
  text: string,
  family: 4 | 6,
): Array<{ inode: number; address: string; port: number }> {
  const out: Array<{ inode: number; address: string; port: number }> = []
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/)
    if (f.length < 10 || f[3] !== TCP_LISTEN) continue
    const [addrHex, portHex] = f[1].split(':')
    out.push({
      inode: Number(f[9]),
      address: family === 4 ? ipv4(addrHex) : ipv6(addrHex),
      port: parseInt(portHex, 16),
    })
  }
  return out
}

function readOptional(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return '' // e.g. tcp6 when IPv6 is disabled
  }
}

/** Every listening TCP socket held by any of these processes. */
export function listListeningSockets(pids: readonly number[]): ListeningSocket[] {
  const out: ListeningSocket[] = []
  for (const pid of new Set(pids)) {
    const inodes = socketInodes(pid)
    for (const family of [4, 6] as const) {
      const table = readOptional(`/proc/${pid}/net/${family === 4 ? 'tcp' : 'tcp6'}`)
      for (const row of parseProcNetTcp(table, family)) {
        if (inodes.has(row.inode)) out.push({ pid, family, ...row })
      }
    }
  }
  return out
}

/** The only addresses a Quorum Lab socket may listen on. */
export function isLoopbackOnly(s: Pick<ListeningSocket, 'address'>): boolean {
  return s.address === '127.0.0.1' || s.address === '::1'
}

/** Pids of every live descendant of `root` (children, grandchildren, ...), from /proc/PID/stat. */
export function descendants(root: number): number[] {
  const parent = new Map<number, number>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    const stat = readOptional(`/proc/${name}/stat`)
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so cut at the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    if (rest.length > 1) parent.set(Number(name), Number(rest[1]))
  }
  const out: number[] = []
  const queue = [root]
  while (queue.length > 0) {
    const p = queue.shift()!
    for (const [pid, ppid] of parent) {
      if (ppid === p) {
        out.push(pid)
        queue.push(pid)
      }
    }
  }
  return out
}
