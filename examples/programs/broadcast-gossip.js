#!/usr/bin/env node
// A broadcast node for the lab's `broadcast` workload, written from Maelstrom's protocol
// description (one JSON message per line on stdin/stdout, logs on stderr). No dependencies.
//
// - `broadcast {message}`: keep the message, answer `broadcast_ok`, gossip it to the neighbours.
// - `read`: answer `read_ok {messages}` with every message this node holds.
// - `topology {topology}`: use our entry as the neighbours (until then: every other node).
// - Gossip between nodes: `gossip {messages}` answered by `gossip_ok {messages}`. A new message
//   goes to each neighbour at once, alone. Each node remembers, per neighbour, which messages
//   that neighbour has not acknowledged yet and when it last sent each; every RETRY_MS it sends
//   the ones older than RETRY_MS again (at most MAX_BATCH per message), so messages cross a
//   partition once it heals without flooding a busy cluster with what is already on its way.
//   A message learnt by gossip is passed on to every neighbour but the one it came from.
// - After a restart the node has lost everything (and gets no topology again, so it gossips to
//   every node); at init it sends `sync` to every other node until each answers `sync_ok`, and
//   each gossips it all it holds (retried like any gossip until acknowledged).
'use strict'

const RETRY_MS = 200
const MAX_BATCH = 256
const SYNC_RETRY_MS = 500

let nodeId = null
let nodeIds = []
let neighbours = []
let nextMsgId = 1
const messages = new Set()
/** neighbour -> Map of message -> when it was last sent there (ms), until it acknowledges */
const unacked = new Map()
/** nodes that have not answered our sync yet */
const syncPending = new Set()

function send(dest, body) {
  process.stdout.write(JSON.stringify({ src: nodeId, dest, body }) + '\n')
}

function reply(req, body) {
  send(req.src, { ...body, in_reply_to: req.body.msg_id })
}

function log(...args) {
  process.stderr.write(`[${nodeId}] ${args.join(' ')}\n`)
}

/** Send `values` to every neighbour except `except` now, and keep them until acknowledged. */
function spread(values, except) {
  if (values.length === 0) return
  const now = Date.now()
  for (const n of neighbours) {
    if (n === except) continue
    const pending = pendingFor(n)
    for (const v of values) pending.set(v, now)
    send(n, { type: 'gossip', msg_id: nextMsgId++, messages: values })
  }
}

function pendingFor(n) {
  let pending = unacked.get(n)
  if (!pending) unacked.set(n, (pending = new Map()))
  return pending
}

/** Send every neighbour again what it has not acknowledged within RETRY_MS, in batches. */
function retry() {
  const now = Date.now()
  for (const [n, pending] of unacked) {
    let batch = []
    for (const [v, at] of pending) {
      if (now - at < RETRY_MS) continue
      pending.set(v, now)
      batch.push(v)
      if (batch.length === MAX_BATCH) {
        send(n, { type: 'gossip', msg_id: nextMsgId++, messages: batch })
        batch = []
      }
    }
    if (batch.length > 0) send(n, { type: 'gossip', msg_id: nextMsgId++, messages: batch })
  }
}

/** Keep `values`; returns the ones that were new. */
function learn(values) {
  const fresh = []
  for (const v of values) {
    if (!messages.has(v)) {
      messages.add(v)
      fresh.push(v)
    }
  }
  return fresh
}

function sendSyncs() {
  for (const n of syncPending) send(n, { type: 'sync', msg_id: nextMsgId++ })
}

function handle(msg) {
  const { src, body } = msg
  switch (body.type) {
    case 'init':
      nodeId = body.node_id
      nodeIds = body.node_ids
      neighbours = nodeIds.filter((n) => n !== nodeId)
      reply(msg, { type: 'init_ok' })
      for (const n of neighbours) syncPending.add(n)
      sendSyncs()
      return
    case 'topology': {
      const mine = body.topology && body.topology[nodeId]
      if (Array.isArray(mine)) neighbours = mine.filter((n) => n !== nodeId)
      log('neighbours', JSON.stringify(neighbours))
      reply(msg, { type: 'topology_ok' })
      return
    }
    case 'broadcast':
      spread(learn([body.message]), null)
      reply(msg, { type: 'broadcast_ok' })
      return
    case 'read':
      reply(msg, { type: 'read_ok', messages: [...messages] })
      return
    case 'gossip': {
      const values = Array.isArray(body.messages) ? body.messages : []
      spread(learn(values), src)
      reply(msg, { type: 'gossip_ok', messages: values })
      return
    }
    case 'gossip_ok': {
      const pending = unacked.get(src)
      if (pending) for (const v of body.messages || []) pending.delete(v)
      return
    }
    case 'sync':
      // A restarted node: it needs everything we hold, retried until it acknowledges.
      syncPending.delete(src)
      reply(msg, { type: 'sync_ok' })
      {
        // Everything we hold, in batches, retried like any gossip until acknowledged.
        const pending = pendingFor(src)
        for (const v of messages) pending.set(v, 0)
        retry()
      }
      return
    case 'sync_ok':
      syncPending.delete(src)
      return
    default:
      if (body.msg_id !== undefined)
        reply(msg, { type: 'error', code: 10, text: `unsupported message type ${JSON.stringify(body.type)}` })
  }
}

let buffer = ''
process.stdin.setEncoding('utf8')
process.stdin.on('data', (chunk) => {
  buffer += chunk
  let start = 0
  let nl
  while ((nl = buffer.indexOf('\n', start)) >= 0) {
    const line = buffer.slice(start, nl).trim()
    start = nl + 1
    if (!line) continue
    let msg
    try {
      msg = JSON.parse(line)
    } catch {
      log('not JSON:', line)
      continue
    }
    if (msg && msg.body && typeof msg.body.type === 'string') handle(msg)
  }
  buffer = buffer.slice(start)
})
process.stdin.on('end', () => process.exit(0))

setInterval(retry, RETRY_MS / 2)
setInterval(() => {
  if (syncPending.size > 0) sendSyncs()
}, SYNC_RETRY_MS)
