// The browser-mode client when the lab server is gone: a call fails at once and says the lab
// is offline (it does not sit in a queue for a server that is not there), a call that was
// waiting for the connection fails when the connection attempt does, and once the server is
// back calls go through again.
import { describe, expect, it } from 'vitest'
import { WsLabClient, type ConnectionInfo } from '../src/renderer/src/api/ws-client'
import { LabError } from '../src/shared/lab-error'

/** A WebSocket whose server may be up (opens, answers listRuns with []) or down (refused). */
class FakeSocket {
  static up = false
  readyState = 0
  onopen: (() => void) | null = null
  onclose: ((ev: { code: number; reason: string }) => void) | null = null
  onmessage: ((ev: { data: string }) => void) | null = null
  onerror: (() => void) | null = null
  constructor(readonly url: string) {
    setTimeout(() => {
      if (FakeSocket.up) {
        this.readyState = 1
        this.onopen?.()
      } else this.onclose?.({ code: 1006, reason: '' })
    }, 5)
  }
  send(frame: string): void {
    const { id } = JSON.parse(frame) as { id: number }
    setTimeout(() => this.onmessage?.({ data: JSON.stringify({ id, ok: true, result: [] }) }), 1)
  }
  close(): void {}
}

function client(): { c: WsLabClient; states: ConnectionInfo[] } {
  const c = new WsLabClient({
    url: 'ws://127.0.0.1:1/ws',
    WebSocketImpl: FakeSocket as unknown as new (url: string) => WebSocket,
    minBackoffMs: 50,
    maxBackoffMs: 50,
    // Far longer than the test: a call that waits for it has not failed at once.
    queueTimeoutMs: 60_000,
  })
  const states: ConnectionInfo[] = []
  c.onConnection((s) => states.push(s))
  return { c, states }
}

describe('browser-mode client offline', () => {
  it('fails a call at once, saying the lab is offline, and works again once the server is back', async () => {
    FakeSocket.up = false
    const { c, states } = client()
    try {
      // A call made while the first attempt is under way fails when that attempt does.
      const first = await c.listRuns().catch((e: unknown) => e)
      expect(first).toBeInstanceOf(LabError)
      expect((first as LabError).code).toBe('unavailable')
      expect((first as LabError).message).toMatch(
        /^offline: the lab server is not reachable \(listRuns not sent/,
      )
      // While offline, a call fails without waiting.
      expect(states[states.length - 1].state).toBe('closed')
      const t0 = Date.now()
      const again = await c.getRun({ runId: 'x' }).catch((e: unknown) => e)
      expect(Date.now() - t0).toBeLessThan(1000)
      expect((again as LabError).message).toMatch(/^offline: .*getRun not sent.*retrying in \d+ s\)$/)
      // The server comes back: the client reconnects and calls go through.
      FakeSocket.up = true
      await expect.poll(() => states[states.length - 1].state, { timeout: 5000 }).toBe('open')
      expect(await c.listRuns()).toEqual([])
    } finally {
      c.dispose()
    }
  }, 10_000)
})
