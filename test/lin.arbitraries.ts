// Small random histories for property tests of the checker (fast-check): up to 9 ops on
// two keys by four clients, overlapping at random, some failed or with unknown outcome.
// Mostly not linearizable, sometimes so by a hair.
import fc from 'fast-check'
import type { HistoryFn, HistoryOp } from '../src/shared/history'

export interface TinyOptions {
  /** Op kinds drawn (repeat one to weigh it). */
  fns: HistoryFn[]
  /** Values written or read (null = absent). */
  values: Array<string | null>
  /** Values a cas expects. */
  expected: Array<string | null>
}

export function tinyHistoryArb(o: TinyOptions): fc.Arbitrary<HistoryOp[]> {
  return fc
    .array(
      fc.record({
        process: fc.integer({ min: 0, max: 3 }),
        f: fc.constantFrom(...o.fns),
        key: fc.constantFrom('k', 'k', 'k', 'j'),
        invoke: fc.integer({ min: 0, max: 20 }),
        dur: fc.integer({ min: 0, max: 8 }),
        type: fc.constantFrom('ok', 'ok', 'ok', 'ok', 'ok', 'info', 'info', 'fail'),
        value: fc.constantFrom(...o.values),
        expected: fc.constantFrom(...o.expected),
        result: fc.boolean(),
      }),
      { minLength: 1, maxLength: 9 },
    )
    .map((rows) =>
      rows.map((r, i) => {
        const op: HistoryOp = {
          id: `t${i}`,
          process: r.process,
          f: r.f,
          key: r.key,
          invoke: r.invoke,
          complete: r.type === 'info' ? Infinity : r.invoke + r.dur,
          type: r.type,
          // An append always adds something.
          value: r.f === 'append' ? (r.value ?? 'b') : r.value,
        }
        if (r.f === 'cas') op.expected = r.expected
        if (r.f === 'cas' && r.type === 'ok') op.result = r.result
        return op
      }),
    )
}
