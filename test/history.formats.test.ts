// Histories from other tools: Jepsen's history.edn (cas-register, jepsen.independent keys,
// nemesis ops as faults, :info in doubt), Porcupine's key-value EDN test data (get / put /
// append, keys start as ""), Jepsen's older text log (:fail ... :timed-out in doubt), and
// telling them apart. Each: what it reads, what it rejects (naming the line and field),
// and a non-linearizable history whose counterexample is checked.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { checkLinearizable } from '../src/core/check/linearizability'
import {
  detectHistoryFormat,
  parseHistory,
  type HistoryFormat,
  type ParsedHistory,
} from '../src/shared/history-formats'

function parsed(text: string, format: HistoryFormat | 'auto' = 'auto'): ParsedHistory {
  const r = parseHistory(text, format)
  if (!r.ok) throw new Error(r.errors.join('\n'))
  return r.history
}
function errors(text: string, format: HistoryFormat | 'auto' = 'auto'): string[] {
  const r = parseHistory(text, format)
  return r.ok ? [] : r.errors
}
function check(h: ParsedHistory) {
  return checkLinearizable(h.ops, { initial: h.initial, timeUnit: h.timeUnit ?? 'none' })
}
const lines = (...l: string[]) => l.join('\n') + '\n'

describe("Jepsen's history.edn", () => {
  it('reads the cas-register: :read / :write / :cas, :fail cas as a failed compare, times in ns', () => {
    const h = parsed(
      lines(
        '{:index 0, :time 10, :type :invoke, :process 0, :f :write, :value 1}',
        '{:index 1, :time 20, :type :ok, :process 0, :f :write, :value 1}',
        '{:index 2, :time 30, :type :invoke, :process 1, :f :cas, :value [2 3]}',
        '{:index 3, :time 40, :type :fail, :process 1, :f :cas, :value [2 3]}',
        '{:index 4, :time 50, :type :invoke, :process 2, :f :read, :value nil}',
        '{:index 5, :time 60, :type :ok, :process 2, :f :read, :value 1}',
        '{:index 6, :time 70, :type :invoke, :process 3, :f :write, :value 9}',
        '{:index 7, :time 80, :type :fail, :process 3, :f :write, :value 9, :error :not-leader}',
      ),
    )
    expect(h.format).toBe('edn')
    expect(h.timeUnit).toBe('ns')
    expect(h.initial).toBeNull()
    expect(h.ops.map((o) => [o.f, o.key, o.type, o.value, o.result, o.invoke, o.complete])).toEqual([
      ['put', 'register', 'ok', '1', undefined, 10, 20],
      ['cas', 'register', 'ok', '3', false, 30, 40],
      ['get', 'register', 'ok', '1', undefined, 50, 60],
      ['put', 'register', 'fail', '9', undefined, 70, 80],
    ])
    expect(h.ops[3].error).toBe(':not-leader')
    expect(check(h).verdict).toBe('ok')
  })

  it("reads Knossos's data files: one vector of maps, no :time (ordered by line)", () => {
    const h = parsed(
      lines(
        '[{:process 70, :type :invoke, :f :read, :value nil}',
        ' {:process 75, :type :invoke, :f :write, :value 3}',
        ' {:process 70, :type :ok, :f :read, :value nil}',
        ' {:process 75, :type :ok, :f :write, :value 3}]',
      ),
    )
    expect(h.timeUnit).toBe('line')
    expect(h.ops.map((o) => [o.process, o.f, o.invoke, o.complete])).toEqual([
      [70, 'get', 1, 3],
      [75, 'put', 2, 4],
    ])
  })

  it("reads Knossos's other layouts: a comment first, a list instead of a vector, comments between ops, an op over several lines", () => {
    const ops = (h: ParsedHistory) =>
      h.ops.map((o) => [o.process, o.f, o.type, o.value, o.invoke, o.complete])
    const commented = parsed(
      lines(
        '; This used to expose a bug in Knossos',
        '[{:process 4, :type :invoke, :f :write, :value 2}',
        ' {:process 4, :type :ok, :f :write, :value 2}',
        ' ; then a read',
        ' {:process 7, :type :invoke, :f :read, :value nil}',
        ' {:process 7, :type :ok, :f :read, :value 2}]',
      ),
    )
    expect(ops(commented)).toEqual([
      [4, 'put', 'ok', '2', 2, 3],
      [7, 'get', 'ok', '2', 5, 6],
    ])
    const listed = parsed(
      lines(
        '({:type :invoke, :f :write, :value 0, :process 0}',
        ' {:type :ok, :f :write, :value 0, :process 0}',
        ' {:process :nemesis,',
        '  :type :info,',
        '  :f :start,',
        '  :value',
        '  "Cut off [:n3 #[:n4 :n5 :n1], :n1 #[:n3 :n2]] ; not a comment (in a string)"}',
        ' {:type :invoke, :f :read, :value nil, :process 1}',
        ' {:type :ok, :f :read, :value 0, :process 1})',
      ),
    )
    expect(ops(listed)).toEqual([
      [0, 'put', 'ok', '0', 1, 2],
      [1, 'get', 'ok', '0', 8, 9],
    ])
    expect(listed.faults.map((f) => [f.f, f.line])).toEqual([['start', 3]])
    // The whole history on one line reads the same.
    const oneLine = parsed(
      '[{:process 0, :type :invoke, :f :write, :value 1} {:process 0, :type :ok, :f :write, :value 1}]\n',
    )
    expect(oneLine.ops.map((o) => [o.f, o.type, o.value])).toEqual([['put', 'ok', '1']])
  })

  it('an op whose brackets never close is reported at its line; the ops after it are still read', () => {
    expect(
      errors(
        lines(
          '[{:process 0, :type :invoke, :f :write, :value 1}',
          ' {:process 0, :type :ok, :f :write, :value 1',
          ' {:process 1, :type :invoke, :f :read, :value nil}',
          ' {:process 1, :type :ok, :f :read, :value [1}',
          ' {:process 2, :type :invoke, :f :read, :value "unterminated}]',
        ),
      ),
    ).toEqual([
      'line 2: not valid EDN (unbalanced brackets or an unterminated string)',
      'line 4: not valid EDN (unbalanced brackets or an unterminated string)',
      'line 5: not valid EDN (unbalanced brackets or an unterminated string)',
    ])
  })

  it('an :info op stays in doubt to the end: it may have happened (any time after) or not', () => {
    const base = [
      '{:time 1, :type :invoke, :process 0, :f :write, :value 1}',
      '{:time 2, :type :info, :process 0, :f :write, :value 1, :error :timeout}',
      '{:time 3, :type :invoke, :process 1, :f :read, :value nil}',
    ]
    const sawIt = parsed(lines(...base, '{:time 4, :type :ok, :process 1, :f :read, :value 1}'))
    expect(sawIt.ops[0]).toMatchObject({ type: 'info', complete: Infinity, infoTime: 2, error: ':timeout' })
    expect(check(sawIt).verdict).toBe('ok')
    const didNot = parsed(lines(...base, '{:time 4, :type :ok, :process 1, :f :read, :value nil}'))
    expect(check(didNot).verdict).toBe('ok')
    // Seen, then lost: not linearizable whatever the unknown write did.
    const lost = parsed(
      lines(
        ...base,
        '{:time 4, :type :ok, :process 1, :f :read, :value 1}',
        '{:time 5, :type :invoke, :process 1, :f :read, :value nil}',
        '{:time 6, :type :ok, :process 1, :f :read, :value nil}',
      ),
    )
    expect(check(lost).verdict).toBe('violation')
    // An invoke never completed is in doubt too.
    const open = parsed(lines(base[0], base[2], '{:time 4, :type :ok, :process 1, :f :read, :value 1}'))
    expect(open.ops[0].type).toBe('info')
    expect(check(open).verdict).toBe('ok')
  })

  it('jepsen.independent keys: [key value] tuples become keys; nemesis ops become faults', () => {
    const h = parsed(
      lines(
        '{:time 1, :type :invoke, :process 0, :f :write, :value [1 3]}',
        '{:time 2, :type :info, :process :nemesis, :f :start-partition, :value nil}',
        '{:time 3, :type :ok, :process 0, :f :write, :value [1 3]}',
        '{:time 4, :type :info, :process :nemesis, :f :start-partition, :value [:isolated {"n1" #{"n2"}}]}',
        '{:time 5, :type :invoke, :process 1, :f :cas, :value ["k" [nil 2]]}',
        '{:time 6, :type :ok, :process 1, :f :cas, :value ["k" [nil 2]]}',
        '{:time 7, :type :invoke, :process 2, :f :read, :value [1 nil]}',
        '{:time 8, :type :ok, :process 2, :f :read, :value [1 3]}',
        '{:time 9, :type :info, :process :nemesis, :f :kill, :value nil}',
      ),
    )
    expect(h.model).toBe('Jepsen history.edn: cas-register, independent keys')
    expect(h.ops.map((o) => [o.key, o.f, o.expected, o.value])).toEqual([
      ['1', 'put', undefined, '3'],
      ['k', 'cas', null, '2'],
      ['1', 'get', undefined, '3'],
    ])
    expect(h.faults).toEqual([
      { line: 2, f: 'start-partition', start: 2, end: 4, value: '[:isolated {"n1" #{"n2"}}]' },
      { line: 9, f: 'kill', start: 9, end: null, value: null },
    ])
    expect(check(h).verdict).toBe('ok')
  })

  it('a stale read on one independent key: the counterexample names the key, its ops and why', () => {
    const h = parsed(
      lines(
        '{:time 1000000000, :type :invoke, :process 0, :f :write, :value [7 1]}',
        '{:time 1100000000, :type :ok, :process 0, :f :write, :value [7 1]}',
        '{:time 1200000000, :type :invoke, :process 0, :f :write, :value [7 2]}',
        '{:time 1300000000, :type :ok, :process 0, :f :write, :value [7 2]}',
        '{:time 1400000000, :type :invoke, :process 1, :f :read, :value [7 nil]}',
        '{:time 1500000000, :type :ok, :process 1, :f :read, :value [7 1]}',
        '{:time 1600000000, :type :invoke, :process 2, :f :read, :value [8 nil]}',
        '{:time 1700000000, :type :ok, :process 2, :f :read, :value [8 nil]}',
      ),
    )
    const r = check(h)
    expect(r.verdict).toBe('violation')
    expect(r.failedKeys).toEqual(['7'])
    expect(r.violation!.ops.map((o) => o.id)).toEqual(['L1', 'L3', 'L5'])
    expect(r.violation!.culprit!.id).toBe('L5')
    expect(r.violation!.explanation).toBe(
      'get 7 by client 1 at 1.400 s returned "1", but the only value 7 could hold then was "2" (written by ' +
        'client 0 at 1.200 s). "1" (written by client 0 at 1.000 s) had already been overwritten by "2" ' +
        '(put by client 0, done at 1.300 s) before the get began.',
    )
  })

  it('a failed cas is an observation: it cannot fail while the register holds its expected value', () => {
    const h = parsed(
      lines(
        '{:time 1, :type :invoke, :process 0, :f :write, :value 4}',
        '{:time 2, :type :ok, :process 0, :f :write, :value 4}',
        '{:time 3, :type :invoke, :process 1, :f :cas, :value [4 5]}',
        '{:time 4, :type :fail, :process 1, :f :cas, :value [4 5]}',
      ),
    )
    const r = check(h)
    expect(r.verdict).toBe('violation')
    expect(r.violation!.explanation).toBe(
      'cas register "4"→"5" by client 1 at 0.000000003 s failed its compare (so register did not hold "4"), but ' +
        'register could only hold "4" (written by client 0 at 0.000000001 s) then.',
    )
  })

  it('rejects what does not fit, naming the line and the field', () => {
    expect(
      errors(
        lines(
          '{:time 1, :type :invoke, :process 0, :f :incr, :value 1}',
          '{:time 2, :type :invoke, :process 1, :f :read',
          '{:time 3, :type :started, :process 2, :f :read, :value nil}',
          '{:time 4, :type :invoke, :process "p3", :f :read, :value nil}',
          '{:type :invoke, :process 4, :f :read, :value nil}',
          '{:time 6, :type :invoke, :process 5, :f :cas, :value 3}',
          '{:time 7, :type :ok, :process 6, :f :read, :value 1}',
          '{:time 8, :type :invoke, :process 7, :f :write, :value {:a 1}}',
          '"just a string"',
        ),
        'edn',
      ),
    ).toEqual([
      'line 1: :f: :incr is not in the register model: it knows :read, :write and :cas',
      'line 2: not valid EDN (unbalanced brackets or an unterminated string)',
      'line 3: :type: must be one of :invoke, :ok, :fail, :info',
      'line 4: :process: must be an integer or :nemesis',
      'line 5: :time: required (the first op has one)',
      'line 6: :value: 3: a cas needs [from to]',
      'line 7: :process: process 6 has no pending invoke to complete',
      'line 8: :value: {:a 1}: a write needs a number, string, keyword or nil',
      'line 9: must be an EDN map ({:process ..., :type ..., :f ..., :value ...})',
    ])
    // Independent and plain ops mixed: the first op decides.
    expect(
      errors(
        lines(
          '{:time 1, :type :invoke, :process 0, :f :write, :value [1 2]}',
          '{:time 2, :type :invoke, :process 1, :f :write, :value 2}',
        ),
      ),
    ).toEqual(['line 2: :value: must be [key value] (jepsen.independent, as on line 1)'])
    // A completion that does not match its invoke.
    expect(
      errors(
        lines(
          '{:time 5, :type :invoke, :process 0, :f :write, :value 1}',
          '{:time 4, :type :ok, :process 0, :f :read, :value 1}',
        ),
      ),
    ).toEqual([
      'line 2: :f: does not match the invoke on line 1',
      'line 2: :time: is before the invoke on line 1 (5)',
    ])
  })
})

describe("Porcupine's key-value data", () => {
  const text = lines(
    '{:process 0, :type :invoke, :f :append, :key "0", :value "x 0 0 y"}',
    '{:process 1, :type :invoke, :f :get, :key "0", :value nil}',
    '{:process 0, :type :ok, :f :append, :key "0", :value "x 0 0 y"}',
    '{:process 1, :type :ok, :f :get, :key "0", :value ""}',
    '{:process 1, :type :invoke, :f :put, :key "1", :value "x 1 1 y"}',
    '{:process 1, :type :ok, :f :put, :key "1", :value "x 1 1 y"}',
    '{:process 0, :type :invoke, :f :append, :key "1", :value "x 0 1 y"}',
    '{:process 0, :type :ok, :f :append, :key "1", :value "x 0 1 y"}',
    '{:process 2, :type :invoke, :f :get, :key "1", :value nil}',
    '{:process 2, :type :ok, :f :get, :key "1", :value "x 1 1 yx 0 1 y"}',
  )

  it('reads get / put / append on string keys, every key starting as ""; a time is a line', () => {
    const h = parsed(text)
    expect(h.format).toBe('porcupine-kv')
    expect(h.initial).toBe('')
    expect(h.timeUnit).toBe('line')
    expect(h.ops.map((o) => [o.f, o.key, o.value, o.invoke, o.complete])).toEqual([
      ['append', '0', 'x 0 0 y', 1, 3],
      ['get', '0', '', 2, 4],
      ['put', '1', 'x 1 1 y', 5, 6],
      ['append', '1', 'x 0 1 y', 7, 8],
      ['get', '1', 'x 1 1 yx 0 1 y', 9, 10],
    ])
    expect(check(h).verdict).toBe('ok')
  })

  it('a read missing an append that finished before it began: the counterexample names the append', () => {
    const bad = text.replace('"x 1 1 yx 0 1 y"}', '"x 1 1 y"}')
    const r = check(parsed(bad))
    expect(r.verdict).toBe('violation')
    expect(r.failedKeys).toEqual(['1'])
    expect(r.violation!.ops.map((o) => o.id)).toEqual(['L5', 'L7', 'L9'])
    expect(r.violation!.explanation).toBe(
      'get 1 by client 2 at line 9 returned "x 1 1 y", which lacks "x 0 1 y", appended by client 0 and done at ' +
        'line 8, before the get began (appends only add to the end, and nothing reset 1 in between).',
    )
  })

  it('rejects ops outside the model and malformed lines, naming them', () => {
    expect(
      errors(
        lines(
          '{:process 0, :type :invoke, :f :cas, :key "0", :value "a"}',
          '{:process 1, :type :invoke, :f :get, :value nil}',
          '{:process 2, :type :invoke, :f :append, :key "0"}',
          '{:process 3, :type :invoke, :f :get, :key "0", :value nil}',
          '{:process 3, :type :ok, :f :get, :key "0", :value nil}',
          '{:process 4, :type :invoke, :f :put, :key "0", :value "unterminated}',
        ),
        'porcupine-kv',
      ),
    ).toEqual([
      'line 1: :f: :cas is not in the key-value model: it knows :get, :put and :append',
      'line 2: :key: required',
      'line 3: :value: required: a append needs a string',
      'line 5: :value: nil: a get returns a string',
      'line 6: not valid EDN (unbalanced brackets or an unterminated string)',
    ])
  })
})

describe("Jepsen's older text log", () => {
  it("reads newer Jepsen's logger prefix too (`[jepsen worker N] jepsen.util: `), independent keys as [k v]", () => {
    const text = lines(
      '2022-11-11 15:14:13,020{GMT}\tINFO\t[jepsen worker 12] jepsen.util: 12\t:invoke\t:write\t[9 3]',
      '2022-11-11 15:14:13,022{GMT}\tINFO\t[jepsen worker 12] jepsen.util: 12\t:ok\t:write\t[9 3]',
      '2022-11-11 15:14:13,026{GMT}\tINFO\t[jepsen worker 16] jepsen.util: 16\t:invoke\t:cas\t[9 [1 2]]',
      '2022-11-11 15:14:13,028{GMT}\tINFO\t[jepsen worker 16] jepsen.util: 16\t:fail\t:cas\t[9 [1 2]]',
      '2022-11-11 15:14:13,029{GMT}\tINFO\t[jepsen worker 16] jepsen.util: 16\t:invoke\t:read\t[9 nil]',
      '2022-11-11 15:14:13,030{GMT}\tINFO\t[jepsen worker 16] jepsen.util: 16\t:ok\t:read\t[9 1]',
    )
    expect(detectHistoryFormat(text)).toBe('jepsen-log')
    const h = parsed(text)
    expect(h.ops.map((o) => [o.key, o.f, o.type, o.value])).toEqual([
      ['9', 'put', 'ok', '3'],
      ['9', 'cas', 'ok', '2'],
      ['9', 'get', 'ok', '1'],
    ])
    // Read 1 after the write of 3 with nothing else writing 1: not linearizable.
    expect(check(h).verdict).toBe('violation')
  })

  it('reads op lines (with or without the logger prefix), skips other log lines, nemesis as faults', () => {
    const h = parsed(
      lines(
        'INFO  jepsen.core - Running test',
        'INFO  jepsen.util - 3\t:invoke\t:cas\t[1 2]',
        '2\t:invoke\t:write\t1',
        '2\t:ok\t:write\t1',
        'INFO  jepsen.util - :nemesis\t:info\t:start\tnil',
        'INFO  jepsen.util - 3\t:ok\t:cas\t[1 2]',
        'INFO  jepsen.util - :nemesis\t:info\t:start\t"Cut off {:n1 #{:n2}}"',
        'INFO  jepsen.util - 4\t:invoke\t:read\tnil',
        'INFO  jepsen.util - 4\t:ok\t:read\t2',
      ),
    )
    expect(h.format).toBe('jepsen-log')
    expect(h.ops.map((o) => [o.process, o.f, o.expected, o.value, o.result, o.invoke, o.complete])).toEqual([
      [3, 'cas', '1', '2', true, 2, 6],
      [2, 'put', undefined, '1', undefined, 3, 4],
      [4, 'get', undefined, '2', undefined, 8, 9],
    ])
    expect(h.faults).toEqual([{ line: 5, f: 'start', start: 5, end: 7, value: '"Cut off {:n1 #{:n2}}"' }])
    expect(check(h).verdict).toBe('ok')
  })

  it('timeouts: :info, and :fail ... :timed-out, are in doubt (the process may go on)', () => {
    const h = parsed(
      lines(
        'INFO  jepsen.util - 1\t:invoke\t:write\t3',
        'INFO  jepsen.util - 1\t:fail\t:write\t:timed-out',
        'INFO  jepsen.util - 1\t:invoke\t:read\tnil',
        'INFO  jepsen.util - 1\t:ok\t:read\t3',
        'INFO  jepsen.util - 2\t:invoke\t:cas\t[3 4]',
        'INFO  jepsen.util - 2\t:info\t:cas\t:timed-out',
        'INFO  jepsen.util - 5\t:invoke\t:read\tnil',
        'INFO  jepsen.util - 5\t:ok\t:read\t4',
      ),
    )
    expect(h.ops.map((o) => [o.f, o.type, o.error])).toEqual([
      ['put', 'info', ':timed-out'],
      ['get', 'ok', undefined],
      ['cas', 'info', ':timed-out'],
      ['get', 'ok', undefined],
    ])
    expect(check(h).verdict).toBe('ok')
  })

  it('a read of a value overwritten before it began: violation with its counterexample', () => {
    const h = parsed(
      lines(
        'INFO  jepsen.util - 0\t:invoke\t:write\t1',
        'INFO  jepsen.util - 0\t:ok\t:write\t1',
        'INFO  jepsen.util - 0\t:invoke\t:write\t2',
        'INFO  jepsen.util - 0\t:ok\t:write\t2',
        'INFO  jepsen.util - 1\t:invoke\t:read\tnil',
        'INFO  jepsen.util - 1\t:ok\t:read\t1',
      ),
    )
    const r = check(h)
    expect(r.verdict).toBe('violation')
    expect(r.violation!.key).toBe('register')
    expect(r.violation!.ops.map((o) => o.id)).toEqual(['L1', 'L3', 'L5'])
    expect(r.violation!.explanation).toContain('get register by client 1 at line 5 returned "1"')
    expect(r.violation!.explanation).toContain('had already been overwritten by "2"')
  })

  it('rejects malformed op lines, naming them', () => {
    expect(
      errors(
        lines(
          'INFO  jepsen.util - 3\t:invoke\t:cas\t[1 2',
          'INFO  jepsen.util - 4\t:invoke',
          'INFO  jepsen.util - 5\t:invoke\t:dequeue\tnil',
          'INFO  jepsen.util - something else',
        ),
        'jepsen-log',
      ),
    ).toEqual([
      'line 1: value: not valid EDN (unbalanced brackets or an unterminated string)',
      'line 2: f: required',
      'line 3: :f: :dequeue is not in the register model: it knows :read, :write and :cas',
      'line 4: not an op line (process, type, f, value)',
    ])
    expect(errors('nothing here\n', 'jepsen-log')).toEqual([
      'line 1: no op lines found (e.g. "INFO  jepsen.util - 3\t:invoke\t:read\tnil")',
    ])
  })
})

describe('format detection', () => {
  it('tells the four formats apart by their first lines', () => {
    expect(detectHistoryFormat('{"process": 1, "type": "invoke", "f": "get", "key": "k", "time": 1}\n')).toBe(
      'jsonl',
    )
    expect(detectHistoryFormat('{ "process": 1 }\n')).toBe('jsonl')
    expect(detectHistoryFormat('{:process 0, :type :invoke, :f :read, :value nil}\n')).toBe('edn')
    expect(detectHistoryFormat('[{:process 0, :type :invoke, :f :read, :value nil}\n')).toBe('edn')
    expect(detectHistoryFormat('{:process 0, :type :invoke, :f :append, :key "0", :value "x"}\n')).toBe(
      'porcupine-kv',
    )
    expect(
      detectHistoryFormat('INFO  jepsen.core - start\nINFO  jepsen.util - 0\t:invoke\t:read\tnil\n'),
    ).toBe('jepsen-log')
    expect(detectHistoryFormat('hello\n')).toBeNull()
    expect(errors('hello\n')).toEqual([
      "cannot tell the format from the first lines: expected JSON lines, Jepsen history.edn, Porcupine's " +
        'key-value EDN or a Jepsen text log (name it with --format)',
    ])
  })
})

describe('lab check FILE --format', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ql-formats-'))
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/main/cli/main.ts', 'check', ...args], {
      encoding: 'utf8',
    })

  it('detects each example format and checks it', () => {
    const log = cli('examples/history-jepsen.log')
    expect(log.status).toBe(0)
    expect(log.stdout).toContain('format        Jepsen text log: cas-register (ordered by line)')
    expect(log.stdout).toContain('faults        2 (nemesis; reported, not checked)')
    expect(log.stdout).toContain('start  line 8 to line 9  "Cut off')
    const kv = cli('examples/history-porcupine-kv.txt')
    expect(kv.status).toBe(1)
    expect(kv.stdout).toContain('not linearizable: key a')
    const edn = cli('examples/history-jepsen-independent.edn', '--json')
    expect(edn.status).toBe(1)
    const j = JSON.parse(edn.stdout) as { format: string; faults: unknown[]; violation: { key: string } }
    expect(j.format).toBe('edn')
    expect(j.faults).toHaveLength(2)
    expect(j.violation.key).toBe('2')
  })

  it('exit 2, never a guess, for an op the model does not know or a format that does not fit', () => {
    const f = join(dir, 'incr.edn')
    writeFileSync(f, '{:time 1, :type :invoke, :process 0, :f :incr, :value 1}\n')
    const r = cli(f)
    expect(r.status).toBe(2)
    expect(r.stderr).toContain('line 1: :f: :incr is not in the register model')
    const wrong = cli('examples/history-jepsen.log', '--format', 'porcupine-kv')
    expect(wrong.status).toBe(2)
    expect(wrong.stderr).toContain('not a valid history (porcupine-kv)')
    expect(cli('examples/history-jepsen.log', '--format', 'yaml').status).toBe(2)
  })
})
