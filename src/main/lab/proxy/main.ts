// Entry point of the proxy process (forked by the lab with an IPC channel; see server.ts).
// It is also the reaper: if the lab goes away, it SIGKILLs the node pids the lab told it
// about (a node stopped with SIGSTOP cannot notice on its own), then exits.
import { watchParent } from '../../node/orphan'
import { encodeTraceBatch } from '../../node/trace-batch'
import { LabToProxySchema, type ProxyToLab } from './control'
import { ProxyServer } from './server'

function send(m: ProxyToLab): void {
  if (process.connected && process.send) process.send(m)
}

let pids: number[] = []

function reap(): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  pids = []
}

function main(): void {
  if (!process.send) {
    process.stderr.write('proxy: must be started by the lab (no IPC channel)\n')
    process.exit(2)
  }
  // Ctrl-C in a terminal reaches the whole process group: the lab decides when the proxy ends
  // (after its last events came in), so it does not die of it.
  process.on('SIGINT', () => {})
  let proxy: ProxyServer | null = null
  const bad = (why: string): void => {
    process.stderr.write(`proxy: bad control message ignored: ${why}\n`)
    send({
      type: 'events',
      batch: encodeTraceBatch([]),
      dropped: 0,
      duplicated: 0,
      forwarded: 0,
      received: 0,
      rejected: 0,
      errors: [`proxy: bad control message ignored: ${why}`],
    })
  }
  process.on('message', (raw: unknown) => {
    const r = LabToProxySchema.safeParse(raw)
    if (!r.success) {
      bad(r.error.issues.map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`).join('; '))
      return
    }
    const m = r.data
    if (m.type === 'init') {
      if (proxy !== null) return bad('init sent twice')
      watchParent(m.labPid, () => {
        reap()
        process.exit(0)
      })
      const p = new ProxyServer(m, send)
      proxy = p
      p.listen().then(
        (port) => send({ type: 'listening', port, pid: process.pid }),
        (e: unknown) => {
          process.stderr.write(`proxy: cannot listen: ${(e as Error).message}\n`)
          process.exit(1)
        },
      )
      return
    }
    if (m.type === 'pids') {
      pids = m.pids
      return
    }
    if (proxy === null) return bad(`${m.type} before init`)
    switch (m.type) {
      case 'start':
        proxy.start(m.t0)
        return
      case 'node':
        proxy.setNode(m.idx, m.port, m.state)
        return
      case 'rules':
        proxy.setRules(m.rules)
        return
      case 'stats':
        send({ type: 'stats', seq: m.seq, ...proxy.stats() })
        return
      case 'flush':
        if (m.halt === true) proxy.halt()
        proxy.flushEvents()
        send({ type: 'flushed', seq: m.seq })
        return
      case 'exit':
        proxy.close()
        process.exit(0)
    }
  })
}

main()
