#!/usr/bin/env node
// A BROKEN lin-kv node for Quorum Lab (Maelstrom's node protocol), Node.js only, no packages.
//
// Writes and compare-and-sets go to one node, the first of node_ids in sorted order (the
// "home"), which holds the authoritative map and gossips every change to the other nodes.
// Reads, though, are answered at once from the local copy. Under a partition a cut-off node
// keeps answering reads from its stale copy after the home acknowledged newer writes: a read
// that begins after a write completed returns the older value. The lab's linearizability
// checker must catch that.
import readline from 'node:readline'

let nodeId = null
let home = null
let nodeIds = []
let nextId = 0
const kv = new Map() // key (as JSON text) -> value
const waiting = new Map() // forwarded msg_id -> [client, client's msg_id]

function send(dest, body) {
  process.stdout.write(JSON.stringify({ src: nodeId, dest, body }) + '\n')
}

function apply(body) {
  const key = JSON.stringify(body.key)
  switch (body.type) {
    case 'write':
      kv.set(key, body.value)
      return { type: 'write_ok' }
    case 'cas':
      if (!kv.has(key)) return { type: 'error', code: 20, text: 'no such key' }
      if (JSON.stringify(kv.get(key)) !== JSON.stringify(body.from))
        return { type: 'error', code: 22, text: `expected ${JSON.stringify(body.from)}` }
      kv.set(key, body.to)
      return { type: 'cas_ok' }
    default:
      return { type: 'error', code: 10, text: `unsupported ${body.type}` }
  }
}

function gossip(key) {
  for (const peer of nodeIds) {
    if (peer !== nodeId) send(peer, { type: 'update', key, value: kv.get(key) })
  }
}

function handle(msg) {
  const { src, body } = msg
  switch (body.type) {
    case 'init':
      nodeId = body.node_id
      nodeIds = body.node_ids
      home = [...nodeIds].sort()[0]
      process.stderr.write(`${nodeId}: home is ${home}; reads are answered locally\n`)
      return send(src, { type: 'init_ok', in_reply_to: body.msg_id })
    case 'read': {
      const key = JSON.stringify(body.key)
      if (!kv.has(key))
        return send(src, { type: 'error', code: 20, text: 'no such key', in_reply_to: body.msg_id })
      return send(src, { type: 'read_ok', value: kv.get(key), in_reply_to: body.msg_id })
    }
    case 'write':
    case 'cas':
      if (nodeId === home) {
        const reply = apply(body)
        if (reply.type !== 'error') gossip(JSON.stringify(body.key))
        return send(src, { ...reply, in_reply_to: body.msg_id })
      }
      nextId++
      waiting.set(nextId, [src, body.msg_id])
      return send(home, { ...body, msg_id: nextId })
    case 'update':
      kv.set(body.key, body.value)
      return
    default:
      if (body.in_reply_to !== undefined && waiting.has(body.in_reply_to)) {
        const [client, clientMsgId] = waiting.get(body.in_reply_to)
        waiting.delete(body.in_reply_to)
        const { msg_id: _unused, ...rest } = body
        return send(client, { ...rest, in_reply_to: clientMsgId })
      }
      process.stderr.write(`${nodeId}: ignoring ${JSON.stringify(msg)}\n`)
  }
}

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() !== '') handle(JSON.parse(line))
})
