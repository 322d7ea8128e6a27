// Replay of a recorded run with membership changes (issue 15): at any instant each node's
// configuration as the trace says, a node not started yet shown absent, and a joint
// configuration with its old voters; the run's node list covers every node that may exist.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LabService } from '../src/main/lab/service'
import type { RunInfo } from '../src/shared/api'
import { ExperimentSpecSchema } from '../src/shared/spec'
import type { ConfigEvent, FaultEvent, TraceEvent } from '../src/shared/trace'

describe('replay of a run with membership changes', () => {
  let dataDir: string
  let service: LabService
  let run: RunInfo
  let trace: TraceEvent[]

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ql-replay-member-'))
    service = new LabService({ bridge: 'browser', dataDir })
    const spec = ExperimentSpecSchema.parse({
      name: 'replay-membership',
      algorithm: { kind: 'raft', params: { membership: 'joint' } },
      cluster: { nodes: 3, maxNodes: 5 },
      durationMs: 4000,
      workload: { clients: 2, ratePerSec: 50 },
      faults: [
        { kind: 'membership', action: 'add', target: 'n4', atMs: 1000 },
        { kind: 'membership', action: 'promote', target: 'n4', atMs: 2000 },
      ],
    })
    const started = await service.startRun({ spec, speed: 'max' })
    for (;;) {
      run = await service.getRun({ runId: started.runId })
      if (run.status !== 'running') break
      await new Promise((r) => setTimeout(r, 20))
    }
    trace = await service.getTrace({ runId: run.runId, limit: 1_000_000 })
  }, 60_000)

  afterAll(() => {
    service?.close()
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  })

  it('lists every node that may exist; those not started yet are absent', async () => {
    const info = await service.getTraceInfo({ runId: run.runId })
    expect(info.nodes).toEqual(['n1', 'n2', 'n3', 'n4', 'n5'])
    const before = await service.getReplayState({ runId: run.runId, atUs: 500_000 })
    expect(before.nodes.map((n) => [n.id, n.absent === true])).toEqual([
      ['n1', false],
      ['n2', false],
      ['n3', false],
      ['n4', true],
      ['n5', true],
    ])
    expect(before.nodes[0].config).toEqual({ voters: ['n1', 'n2', 'n3'], learners: [] })
    const end = await service.getReplayState({ runId: run.runId, atUs: 3_900_000 })
    expect(end.nodes.find((n) => n.id === 'n4')!.absent).toBeUndefined()
    expect(end.nodes.find((n) => n.id === 'n5')!.absent).toBe(true)
  })

  it("each node's configuration at an instant: learner, then joint C_old,new, then C_new", async () => {
    const add = trace.find(
      (e): e is FaultEvent => e.kind === 'fault' && e.faultId === 0 && e.phase === 'end',
    )!
    const mid = await service.getReplayState({ runId: run.runId, atUs: add.t })
    const leader = mid.nodes.find((n) => n.role === 'leader')!
    expect(leader.config).toEqual({ voters: ['n1', 'n2', 'n3'], learners: ['n4'] })
    const joint = trace.find((e): e is ConfigEvent => e.kind === 'config' && e.oldVoters !== undefined)!
    const at = await service.getReplayState({ runId: run.runId, atUs: joint.t })
    expect(at.nodes.find((n) => n.id === joint.node)!.config).toEqual({
      voters: ['n1', 'n2', 'n3', 'n4'],
      learners: [],
      oldVoters: ['n1', 'n2', 'n3'],
    })
    const end = await service.getReplayState({ runId: run.runId, atUs: 3_900_000 })
    for (const n of end.nodes.filter((x) => !x.absent))
      expect(n.config).toEqual({ voters: ['n1', 'n2', 'n3', 'n4'], learners: [] })
  })
})
