// The lin-tso service, as Maelstrom hosts it: a timestamp oracle. Each `ts` request is answered
// `ts_ok` with the next integer of one run-wide sequence starting at 0 (unique, increasing: a
// total order a program can stamp its transactions with). Anything else is not supported. Pure.
import { ERROR_CODES, type MaelstromBody, type MaelstromService } from '../types'
import { errorReply, reply } from './kv-request'

export class LinTsoService implements MaelstromService {
  readonly name = 'lin-tso'
  private next = 0

  handle(_src: string, body: MaelstromBody): MaelstromBody {
    if (body.type !== 'ts')
      return errorReply(
        body,
        ERROR_CODES['not-supported'],
        `lin-tso answers ts requests only, not ${JSON.stringify(body.type)}`,
      )
    return reply(body, 'ts_ok', { ts: this.next++ })
  }
}
