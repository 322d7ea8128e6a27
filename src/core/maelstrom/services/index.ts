// The services a program may call by node id, as Maelstrom hosts them: `lin-kv`, `seq-kv`,
// `lww-kv`, `lin-tso`. One instance per run (its state is the store). Pure.
import type { MaelstromService, MaelstromServiceName } from '../types'
import { LinKvService } from './lin-kv'
import { LinTsoService } from './lin-tso'
import { LwwKvService } from './lww-kv'
import { SeqKvService } from './seq-kv'

export { LinKvService, LinTsoService, LwwKvService, SeqKvService }
export type { LwwKvOptions } from './lww-kv'
export type { SeqKvOptions } from './seq-kv'

/** A fresh service `name` with Maelstrom's default behaviour. */
export function createService(name: MaelstromServiceName): MaelstromService {
  switch (name) {
    case 'lin-kv':
      return new LinKvService()
    case 'seq-kv':
      return new SeqKvService()
    case 'lww-kv':
      return new LwwKvService()
    case 'lin-tso':
      return new LinTsoService()
  }
}
