// checkHistory (LabApi): a history file's text checked for the History view, validated by
// the shared schemas; bad files are a bad_input LabError naming the lines.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { LabError } from '../src/shared/api'
import { createDispatch, createHandlers } from '../src/main/lab/handlers'
import { checkHistoryForView } from '../src/main/lab/history-check'
import type { LabCalls } from '../src/shared/api'

// Only checkHistory is called here; the other methods are never reached.
const service = { checkHistory: async (a) => checkHistoryForView(a) } as Partial<LabCalls> as LabCalls

describe('checkHistory', () => {
  const dispatch = createDispatch(service)

  it('checks each example format, with the counterexample as for a run (op ids, culprit, words)', async () => {
    const kv = checkHistoryForView({
      text: readFileSync('examples/history-porcupine-kv.txt', 'utf8'),
      name: 'kv.txt',
    })
    expect(kv.format).toBe('porcupine-kv')
    expect(kv.timeUnit).toBe('line')
    expect(kv.check.verdict).toBe('violation')
    expect(kv.check.counterexample!.key).toBe('a')
    expect(kv.check.counterexample!.culpritId).toBe('L13')
    expect(kv.check.counterexample!.opIds).toEqual(['L1', 'L2', 'L5', 'L11', 'L13'])
    expect(kv.ops.map((o) => o.id)).toEqual(expect.arrayContaining(kv.check.counterexample!.opIds))
    const edn = checkHistoryForView({
      text: readFileSync('examples/history-jepsen-independent.edn', 'utf8'),
      name: 'h.edn',
    })
    expect(edn.timeUnit).toBe('ns')
    expect(edn.faults.map((f) => f.f)).toEqual(['start-partition', 'stop-partition'])
    // Unknown outcome: Infinity does not survive JSON, so it crosses as null.
    expect(edn.ops.find((o) => o.type === 'info')!.complete).toBeNull()
    const log = checkHistoryForView({
      text: readFileSync('examples/history-jepsen.log', 'utf8'),
      name: 'j.log',
    })
    expect(log.check.verdict).toBe('ok')
  })

  it('rejects a bad file naming its lines, and a bad argument naming the field', async () => {
    const e = await dispatch('checkHistory', {
      text: '{:process 0, :type :invoke, :f :incr, :value 1}\n',
      name: 'bad.edn',
    }).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(LabError)
    expect((e as LabError).code).toBe('bad_input')
    expect((e as LabError).message).toBe(
      'bad.edn is not a valid history: line 1: :f: :incr is not in the register model: it knows :read, :write and :cas',
    )
    const bad = await dispatch('checkHistory', { text: 'x', name: 'f', format: 'yaml' }).catch(
      (x: unknown) => x,
    )
    expect((bad as LabError).code).toBe('bad_input')
    expect((bad as LabError).message).toMatch(/format/)
    const missing = await dispatch('checkHistory', { name: 'f' }).catch((x: unknown) => x)
    expect((missing as LabError).message).toMatch(/text/)
    expect(Object.keys(createHandlers(service))).toContain('checkHistory')
  })
})
