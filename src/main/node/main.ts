// Entry point of a node process (forked by the lab with an IPC channel). Hosts one protocol
// instance (see host.ts). Control messages from the lab are validated; a bad one is reported
// and ignored. The process exits when the lab goes away (see orphan.ts).
import { LabToNodeSchema, type NodeToLab } from './control'
import { NodeHost } from './host'
import { watchParent } from './orphan'
import { encodeTraceBatch } from './trace-batch'

function send(m: NodeToLab): void {
  if (process.connected && process.send) process.send(m)
}

function fatal(error: string): void {
  try {
    send({ type: 'fatal', error })
  } finally {
    process.stderr.write(`node: fatal: ${error}\n`)
    setTimeout(() => process.exit(1), 50)
  }
}

export function main(): void {
  if (!process.send) {
    process.stderr.write('node: must be started by the lab (no IPC channel)\n')
    process.exit(2)
  }
  // Ctrl-C in a terminal reaches the whole process group: the lab decides when a node ends
  // (after collecting its last telemetry), so a node does not die of it.
  process.on('SIGINT', () => {})
  let host: NodeHost | null = null
  const reportBadControl = (why: string): void => {
    const who = host === null ? `node[${process.pid}]` : host.id
    const line = `${who}: ${why}`
    send({
      type: 'tel',
      batch: encodeTraceBatch([]),
      sent: 0,
      delivered: 0,
      rejected: 0,
      status: null,
      lc: 0,
      vc: [],
      errors: [line],
    })
  }
  process.on('uncaughtException', (e) => fatal(`uncaught: ${e.stack ?? e.message}`))
  process.on('message', (raw: unknown) => {
    const r = LabToNodeSchema.safeParse(raw)
    if (!r.success) {
      const why = r.error.issues.map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`).join('; ')
      reportBadControl(`bad control message ignored: ${why}`)
      return
    }
    const m = r.data
    if (m.type === 'init') {
      if (host !== null) return reportBadControl('bad control message ignored: init sent twice')
      watchParent(m.labPid, () => process.exit(0))
      const h = new NodeHost(m, send)
      host = h
      h.init().catch((e: unknown) => fatal(`init failed: ${(e as Error).message}`))
      return
    }
    if (host === null) return reportBadControl(`bad control message ignored: ${m.type} before init`)
    switch (m.type) {
      case 'start':
        host.start(m.t0)
        return
      case 'clock':
        host.setClock(m.rate, m.jumpTicks)
        return
      case 'byz':
        host.setByzantine(m.behavior)
        return
      case 'admin':
        host.admin(m.cmd)
        return
      case 'flush':
        host.flush(m.seq)
        return
      case 'svc':
        host.fromService(m.msg)
        return
      case 'exit':
        host.close()
        process.exit(0)
    }
  })
}

main()
