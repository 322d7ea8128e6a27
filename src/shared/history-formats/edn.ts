// Jepsen's history.edn (one op map per line, or Knossos's one vector of them): the
// cas-register model, see ./jepsen-ops.ts. Times are :time, in nanoseconds.
import { readEdnLines } from './edn-values'
import { jepsenOps } from './jepsen-ops'
import { ErrorList, type ParseFormatResult } from './types'

export function parseJepsenEdn(text: string): ParseFormatResult {
  const errors = new ErrorList()
  const lines = readEdnLines(text, errors)
  const events = lines.map(({ line, rec }) => ({
    line,
    process: rec.get('process'),
    type: rec.get('type'),
    f: rec.get('f'),
    value: rec.get('value'),
    time: rec.get('time'),
    error: rec.get('error'),
    timeoutIsInfo: false,
  }))
  const r = jepsenOps(events, errors)
  return errors.result(() => ({
    format: 'edn',
    ops: r.ops,
    initial: null,
    timeUnit: r.timed ? 'ns' : 'line',
    faults: r.faults,
    model: `Jepsen history.edn: cas-register${r.independent ? ', independent keys' : ''}${r.timed ? '' : ', no :time (ordered by line)'}`,
  }))
}
