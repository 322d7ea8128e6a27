import { describe, expect, it } from 'vitest'
import { LabError, type LabCalls } from '../src/shared/api'
import { LAB_METHODS } from '../src/shared/api-schemas'
import { defaultSpec } from '../src/shared/spec'
import { createDispatch, createHandlers, toErrorData, validateArg } from '../src/main/lab/handlers'

/** A service that records what it was called with. */
function recorder(): { service: LabCalls; calls: Array<[string, unknown]> } {
  const calls: Array<[string, unknown]> = []
  const rec =
    (name: string, result: unknown = null) =>
    async (arg?: unknown) => {
      calls.push([name, arg])
      return result as never
    }
  const service: LabCalls = {
    appInfo: rec('appInfo', { name: 'x', version: '1', bridge: 'browser', dataDir: '/d' }),
    defaultSpec: rec('defaultSpec', defaultSpec()),
    validateSpec: rec('validateSpec', { ok: true }),
    startRun: rec('startRun'),
    stopRun: rec('stopRun'),
    getRun: rec('getRun'),
    listRuns: rec('listRuns', []),
    getTrace: rec('getTrace', []),
    deleteRun: rec('deleteRun'),
    rerun: rec('rerun'),
    getMetrics: rec('getMetrics', []),
    getSketches: rec('getSketches'),
    injectFault: rec('injectFault'),
    endFault: rec('endFault'),
    getTraceInfo: rec('getTraceInfo'),
    getReplayState: rec('getReplayState'),
    diffRuns: rec('diffRuns'),
    compareRuns: rec('compareRuns'),
    explainKey: rec('explainKey'),
    exportCsv: rec('exportCsv'),
    checkHistory: rec('checkHistory'),
    campaignOptions: rec('campaignOptions'),
    startExplore: rec('startExplore'),
    startFuzz: rec('startFuzz'),
    stopCampaign: rec('stopCampaign'),
    listCampaigns: rec('listCampaigns', []),
  }
  return { service, calls }
}

async function rejection(p: Promise<unknown>): Promise<LabError> {
  try {
    await p
  } catch (e) {
    expect(e).toBeInstanceOf(LabError)
    return e as LabError
  }
  throw new Error('expected a rejection')
}

describe('handlers', () => {
  it('has exactly one handler per LabMethod', () => {
    const { service } = recorder()
    expect(Object.keys(createHandlers(service)).sort()).toEqual([...LAB_METHODS].sort())
  })

  it('dispatches valid calls to the service with the parsed argument', async () => {
    const { service, calls } = recorder()
    const dispatch = createDispatch(service)
    await dispatch('appInfo', undefined)
    await dispatch('listRuns', null) // JSON null means "no argument"
    await dispatch('stopRun', { runId: 'r1' })
    await dispatch('startRun', { spec: { name: 'a' }, speed: 'max' })
    await dispatch('getTrace', { runId: 'r1', fromUs: 0, toUs: 10, kinds: ['state'], limit: 5 })
    expect(calls).toEqual([
      ['appInfo', undefined],
      ['listRuns', undefined],
      ['stopRun', { runId: 'r1' }],
      ['startRun', { spec: { name: 'a' }, speed: 'max' }],
      ['getTrace', { runId: 'r1', fromUs: 0, toUs: 10, kinds: ['state'], limit: 5 }],
    ])
  })

  it('rejects bad arguments naming the field, without calling the service', async () => {
    const { service, calls } = recorder()
    const dispatch = createDispatch(service)

    let e = await rejection(dispatch('stopRun', { runId: 5 }))
    expect(e.code).toBe('bad_input')
    expect(e.message).toContain('runId: must be a string')
    expect(e.fields?.[0].path).toBe('runId')
    expect(e.fields?.[0].message).toMatch(/^must be a string/)

    e = await rejection(dispatch('getRun', {}))
    expect(e.message).toContain('runId: is required')

    e = await rejection(dispatch('getRun', { runId: 'r', extra: 1 }))
    expect(e.fields).toContainEqual({ path: 'extra', message: 'unknown field' })

    e = await rejection(dispatch('startRun', { spec: {}, speed: 0 }))
    expect(e.fields?.[0].path).toBe('speed')

    e = await rejection(dispatch('startRun', { spec: {}, speed: 'fast' }))
    expect(e.fields?.[0].path).toBe('speed')

    e = await rejection(dispatch('getTrace', { runId: 'r', limit: 1.5 }))
    expect(e.fields?.[0].path).toBe('limit')

    e = await rejection(dispatch('getTrace', { runId: 'r', kinds: ['state', 3] }))
    expect(e.fields?.[0].path).toBe('kinds[1]')

    e = await rejection(dispatch('getTrace', { runId: 'r', fromUs: -1 }))
    expect(e.message).toContain('fromUs: must be >= 0')

    e = await rejection(dispatch('stopRun', 'r1'))
    expect(e.message).toContain('(argument): must be an object')

    e = await rejection(dispatch('appInfo', { x: 1 }))
    expect(e.code).toBe('bad_input')

    expect(calls).toEqual([])
  })

  it('checks the bounds of explorations and fuzz campaigns, naming the field and the range', async () => {
    const { service, calls } = recorder()
    const dispatch = createDispatch(service)
    const cases: Array<[string, unknown, string, RegExp]> = [
      ['startExplore', { spec: {}, depth: 0 }, 'depth', /between 1 and 1000/],
      ['startExplore', { spec: {}, depth: 2.5 }, 'depth', /between 1 and 1000 \(a whole number\)/],
      ['startExplore', { spec: {}, maxStates: 5_000_000 }, 'maxStates', /between 1 and 1000000 states/],
      ['startExplore', { spec: {}, seconds: 0 }, 'seconds', /between 1 and 3600 seconds/],
      ['startExplore', { spec: {}, strategy: 'bogo' }, 'strategy', /"bfs", "dfs", "random"/],
      ['startExplore', { spec: {}, crashes: -1 }, 'crashes', /between 0 and 10/],
      ['startExplore', { spec: {}, mutants: [''] }, 'mutants[0]', /length must be >= 1/],
      ['startFuzz', { algorithm: 'raft', seeds: 0 }, 'seeds', /between 1 and 1000000/],
      ['startFuzz', { algorithm: 'raft', seeds: 10, workers: 0 }, 'workers', /between 1 and 64/],
      [
        'startFuzz',
        { algorithm: 'raft', seeds: 10, durationMs: 10 },
        'durationMs',
        /between 100 and 60000 ms/,
      ],
      ['startFuzz', { algorithm: 'raft', seeds: 10, workers: 'many' }, 'workers', /./],
      ['startFuzz', { seeds: 10 }, 'algorithm', /required/],
      ['stopCampaign', {}, 'campaignId', /required/],
    ]
    for (const [method, arg, path, message] of cases) {
      const e = await rejection(dispatch(method, arg))
      expect(e.code, `${method} ${JSON.stringify(arg)}`).toBe('bad_input')
      expect(e.fields?.[0].path, `${method} ${JSON.stringify(arg)}`).toBe(path)
      expect(e.fields?.[0].message, `${method} ${JSON.stringify(arg)}`).toMatch(message)
    }
    expect(calls).toEqual([])
    await dispatch('startFuzz', { algorithm: 'raft', seeds: 10, workers: 'auto', mutants: ['x'] })
    expect(calls).toEqual([['startFuzz', { algorithm: 'raft', seeds: 10, workers: 'auto', mutants: ['x'] }]])
  })

  it('rejects unknown methods clearly (including Object.prototype names)', async () => {
    const { service } = recorder()
    const dispatch = createDispatch(service)
    for (const m of ['deleteEverything', 'toString', '__proto__', 'constructor', '']) {
      const e = await rejection(dispatch(m, undefined))
      expect(e.code).toBe('bad_input')
      expect(e.message).toContain(`unknown method "${m}"`)
      expect(e.message).toContain('startRun')
    }
  })

  it('validateArg returns the parsed argument', () => {
    expect(validateArg('getTrace', { runId: 'x', limit: 3 })).toEqual({ runId: 'x', limit: 3 })
  })

  it('toErrorData keeps LabErrors and wraps anything else as internal', () => {
    expect(
      toErrorData(new LabError('not_found', 'no run', [{ path: 'runId', message: 'no such run' }])),
    ).toEqual({
      code: 'not_found',
      message: 'no run',
      fields: [{ path: 'runId', message: 'no such run' }],
    })
    expect(toErrorData(new TypeError('boom'))).toEqual({ code: 'internal', message: 'internal error: boom' })
    expect(toErrorData('weird')).toEqual({ code: 'internal', message: 'internal error: weird' })
  })
})
