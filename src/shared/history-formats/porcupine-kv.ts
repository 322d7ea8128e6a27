// Porcupine's key-value model as written in its EDN-like test data (test_data/kv/*.txt):
//   {:process 0, :type :invoke, :f :append, :key "0", :value "x 0 0 y"}
//   {:process 0, :type :ok, :f :get, :key "7", :value ""}
// :get / :put / :append on string keys, every key starting as "" (the empty string).
// There are no timestamps: events are in time order, one per line, so a time is a line.
// An :invoke with no completion by the end is in doubt; so is an :info completion; a
// :fail did not happen.
import type { EDNVal } from 'edn-data'
import type { HistoryFn, HistoryOp } from '../history'
import { ednText, keyword, readEdnLines } from './edn-values'
import { Pairer } from './pairing'
import { ErrorList, type ParseFormatResult } from './types'

const FNS: readonly HistoryFn[] = ['get', 'put', 'append']
const TYPES = ['invoke', 'ok', 'fail', 'info']

function str(v: EDNVal | undefined): string | undefined {
  if (typeof v === 'string') return v
  if (typeof v === 'number' && Number.isFinite(v)) return String(v)
  return undefined
}

export function parsePorcupineKv(text: string): ParseFormatResult {
  const errors = new ErrorList()
  const pairer = new Pairer(errors, (p) => `process ${p}`, {
    process: ':process',
    f: ':f',
    key: ':key',
    time: 'line',
  })
  for (const { line, rec } of readEdnLines(text, errors)) {
    if (errors.full) break
    const process = rec.get('process')
    if (typeof process !== 'number' || !Number.isInteger(process)) {
      errors.add(line, ':process', process === undefined ? 'required' : 'must be an integer')
      continue
    }
    const type = keyword(rec.get('type'))
    if (type === null || !TYPES.includes(type)) {
      errors.add(line, ':type', rec.has('type') ? 'must be one of :invoke, :ok, :fail, :info' : 'required')
      continue
    }
    const fk = keyword(rec.get('f'))
    const f = FNS.find((x) => x === fk)
    if (f === undefined) {
      errors.add(
        line,
        ':f',
        `${rec.has('f') ? `${ednText(rec.get('f'))} is not in the key-value model` : 'required'}: it knows :get, :put and :append`,
      )
      continue
    }
    const key = str(rec.get('key'))
    if (key === undefined) {
      errors.add(line, ':key', rec.has('key') ? 'must be a string' : 'required')
      continue
    }
    const value = rec.get('value')
    if (type === 'invoke') {
      const op: HistoryOp = {
        id: `L${line}`,
        process,
        f,
        key,
        invoke: line,
        complete: Infinity,
        type: 'info',
        value: null,
      }
      if (f !== 'get') {
        const v = str(value)
        if (v === undefined) {
          errors.add(
            line,
            ':value',
            `${value === undefined ? 'required' : ednText(value)}: a ${f} needs a string`,
          )
          continue
        }
        op.value = v
      }
      pairer.invoke(line, op)
      continue
    }
    let read: string | undefined
    if (type === 'ok' && f === 'get') {
      read = str(value)
      if (read === undefined) {
        errors.add(
          line,
          ':value',
          `${value === undefined ? 'required' : ednText(value)}: a get returns a string`,
        )
        continue
      }
    }
    const err = rec.get('error')
    pairer.complete(line, process, {
      type: type as 'ok' | 'fail' | 'info',
      f,
      key,
      time: line,
      read,
      error: err === undefined || err === null ? undefined : ednText(err),
    })
  }
  return errors.result(() => ({
    format: 'porcupine-kv',
    ops: pairer.finish(),
    initial: '',
    timeUnit: 'line',
    faults: [],
    model: 'Porcupine key-value (get / put / append; every key starts as "")',
  }))
}
