// What the hosts (node process, proxy) need to name, describe and check a program's
// node-to-node messages, in the shape of a protocol factory: the message is the Maelstrom
// body; its type is body.type; its summary is the body as JSON (shown on hover in the
// space-time diagram). A program is never created from here: its node process runs it.
import type { ProtocolFactory } from '../protocols/types'
import { PROGRAM_KIND } from '../../shared/spec'
import type { MaelstromBody } from './types'
import { toJson } from './json'
import { bodyProblem } from './validate'

/** Longest body summary kept in a send event, characters. */
export const MAX_SUMMARY = 1000

export function summarizeBody(b: MaelstromBody): string {
  const s = toJson(b)
  return s.length > MAX_SUMMARY ? `${s.slice(0, MAX_SUMMARY - 3)}...` : s
}

export const programFactory: ProtocolFactory<MaelstromBody, never, unknown> = {
  kind: PROGRAM_KIND,
  create() {
    throw new Error('a program runs in its own process (src/main/node/program.ts), not as a protocol')
  },
  messageType: (b) => (typeof b?.type === 'string' ? b.type : '?'),
  describe: (b) => summarizeBody(b),
  validate: (b) => bodyProblem(b, 'message'),
}
