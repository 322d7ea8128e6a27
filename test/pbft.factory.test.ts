// The PBFT factory: readable message names and summaries, validate() on decoded messages,
// the Byzantine rewrites of corrupt(), MACs and digests, and the new-view decision (§4.4).
import { describe, expect, it } from 'vitest'
import {
  NULL_DIGEST,
  altRecipient,
  computeMac,
  createPbftFactory,
  linkKey,
  pbftFactory,
  pbftParams,
  planNewView,
  requestDigest,
  type PbftMsg,
} from '../src/core/protocols/pbft'
import { createRng } from '../src/core/rng'
import { nodeIds } from '../src/shared/trace'

const req = { id: 'c1.1', cmd: { f: 'put' as const, key: 'k', value: 'v' } }
const d = requestDigest(req)

function signed<M extends PbftMsg>(m: M, to = 'n2', seed = 7): M {
  return { ...m, mac: computeMac(linkKey(seed, m.from, to), m) }
}

const pp: Extract<PbftMsg, { type: 'PrePrepare' }> = signed({
  type: 'PrePrepare',
  from: 'n1',
  view: 0,
  seq: 1,
  digest: d,
  req,
  mac: '',
})

describe('messages', () => {
  it('have readable names and one-line summaries', () => {
    expect(pbftFactory.messageType(pp)).toBe('PrePrepare')
    expect(pbftFactory.describe(pp)).toBe(`v0 #1 c1.1 d=${d.slice(0, 8)}`)
    expect(
      pbftFactory.describe({ type: 'Commit', from: 'n2', view: 3, seq: 9, digest: NULL_DIGEST, mac: '' }),
    ).toBe('v3 #9 d=null')
    expect(
      pbftFactory.describe({
        type: 'ViewChange',
        from: 'n2',
        view: 2,
        stable: 16,
        stableDigest: '',
        prepared: [],
        mac: '',
      }),
    ).toBe('to v2 stable=#16 prepared=0')
  })

  it('validate() accepts every well-formed message and names the bad field otherwise', () => {
    const v = pbftFactory.validate as (m: unknown) => string | null
    expect(v(pp)).toBeNull()
    expect(v({ type: 'Request', from: 'n2', req, executed: 0, mac: 'ab' })).toBeNull()
    expect(
      v({
        type: 'NewView',
        from: 'n2',
        view: 1,
        vcs: [
          {
            from: 'n3',
            view: 1,
            stable: 0,
            stableDigest: '',
            prepared: [{ seq: 1, view: 0, digest: d, req }],
          },
        ],
        mac: '',
      }),
    ).toBeNull()
    expect(
      v({
        type: 'State',
        from: 'n2',
        seq: 4,
        digest: d,
        snap: { data: [['k', 'v']], done: [['c1.1', { f: 'put', value: null }]] },
        mac: '',
      }),
    ).toBeNull()
    expect(v(null)).toBe('message: must be an object, got null')
    expect(v({ ...pp, type: 'Hello' })).toBe('message.type: must be a PBFT message type, got "Hello"')
    expect(v({ ...pp, seq: -1 })).toBe('message.seq: must be a whole number >= 0, got -1')
    expect(v({ ...pp, digest: 'xyz' })).toBe(
      'message.digest: must be a SHA-256 digest in hex or "null", got "xyz"',
    )
    expect(v({ ...pp, req: { id: 'c1.1', cmd: { f: 'del', key: 'k' } } })).toBe(
      'message.req.cmd.f: must be get, put or cas, got "del"',
    )
    expect(v({ ...pp, from: 5 })).toBe('message.from: must be a string, got 5')
    expect(v({ type: 'Request', from: 'n2', req, mac: '' })).toBe(
      'message.executed: must be a whole number >= 0, got missing',
    )
    expect(
      v({
        type: 'NewView',
        from: 'n2',
        view: 1,
        vcs: [{ from: 'n3', view: 1, stable: 0, stableDigest: '', prepared: [{ seq: 'x' }] }],
        mac: '',
      }),
    ).toBe('message.vcs[0].prepared[0].seq: must be a whole number >= 0, got "x"')
    expect(
      v({ type: 'State', from: 'n2', seq: 4, digest: d, snap: { data: [['k', 1]], done: [] }, mac: '' }),
    ).toBe('message.snap.data[0][1]: must be a string, got 1')
  })

  it('params fill defaults and reject bad values by field', () => {
    expect(pbftParams({})).toEqual({ viewChangeTicks: 40, checkpointInterval: 16, watermarkWindow: 64 })
    expect(() => pbftParams({ checkpointInterval: 0 })).toThrow(/checkpointInterval/)
  })
})

describe('authentication', () => {
  it('a MAC verifies only on its own link, and changes with the content and the run seed', () => {
    const mac = computeMac(linkKey(7, 'n1', 'n2'), pp)
    expect(mac).toMatch(/^[0-9a-f]{32}$/)
    expect(computeMac(linkKey(7, 'n1', 'n3'), pp)).not.toBe(mac)
    expect(computeMac(linkKey(8, 'n1', 'n2'), pp)).not.toBe(mac)
    expect(computeMac(linkKey(7, 'n1', 'n2'), { ...pp, seq: 2 })).not.toBe(mac)
  })
})

describe('corrupt()', () => {
  const f = createPbftFactory()
  // The factory learns the run seed when a replica is created.
  f.create({
    id: 'n1',
    nodes: nodeIds(4),
    params: pbftParams({}),
    rng: createRng(1),
    recovered: [],
    runSeed: 7,
  })

  it("equivocate: the null request for some recipients, validly MAC'd on that link", () => {
    const seq = [1, 2, 3, 4, 5, 6, 7, 8].find(
      (s) => altRecipient('n2', s) && !altRecipient('n3', s),
    ) as number
    const m = signed({ ...pp, seq })
    const toN2 = f.corrupt?.(m, 'equivocate', 'n2', createRng(1)) as Extract<PbftMsg, { type: 'PrePrepare' }>
    const toN3 = f.corrupt?.(m, 'equivocate', 'n3', createRng(1)) as Extract<PbftMsg, { type: 'PrePrepare' }>
    expect(toN2).toMatchObject({ req: null, digest: NULL_DIGEST })
    expect(toN2.mac).toBe(computeMac(linkKey(7, 'n1', 'n2'), toN2))
    expect(toN3).toBe(m)
  })

  it('forge: the result never verifies on the receiving link', () => {
    const rng = createRng(3)
    for (let i = 0; i < 20; i++) {
      const out = f.corrupt?.(pp, 'forge', 'n2', rng) as PbftMsg
      expect(out.mac).not.toBe(computeMac(linkKey(7, out.from, 'n2'), out))
    }
  })
})

describe('new view (§4.4)', () => {
  it('re-proposes the highest-view prepared request per seq and fills gaps with null', () => {
    const other = { id: 'c2.1', cmd: { f: 'get' as const, key: 'k' } }
    const plan = planNewView([
      { from: 'n2', view: 2, stable: 4, stableDigest: 'aa', prepared: [{ seq: 5, view: 0, digest: d, req }] },
      {
        from: 'n3',
        view: 2,
        stable: 0,
        stableDigest: '',
        prepared: [
          { seq: 5, view: 1, digest: requestDigest(other), req: other },
          { seq: 7, view: 0, digest: d, req },
          // A certificate whose request does not match its digest is ignored.
          { seq: 8, view: 1, digest: d, req: other },
        ],
      },
      { from: 'n4', view: 2, stable: 0, stableDigest: '', prepared: [] },
    ])
    expect(plan.minS).toBe(4)
    expect(plan.minFrom).toBe('n2')
    expect(plan.pps.map((p) => [p.seq, p.req?.id ?? 'null'])).toEqual([
      [5, 'c2.1'],
      [6, 'null'],
      [7, 'c1.1'],
    ])
  })
})
