import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { compareEntries } from '../../crdt/entry.ts'
import {
  compareHlc,
  HLC_MAX_COUNT,
  HLC_ZERO,
  type Hlc,
  HybridClock,
  hlcToString,
  isValidHlc,
  maxHlc,
  receiveHlc,
  tickHlc,
} from '../../crdt/hlc.ts'
import { FakeClock } from '../helpers/fake-clock.ts'
import { hlc, node, PEER_A, PEER_B } from './fixtures.ts'

const MAX = HLC_MAX_COUNT

describe('tickHlc', () => {
  const table: Array<[string, Hlc, number, Hlc]> = [
    ['first tick takes the wall clock', HLC_ZERO, 1000, hlc(1000, 0)],
    ['wall clock moved on: count resets', hlc(1000, 5), 1001, hlc(1001, 0)],
    ['wall clock stalled: count grows', hlc(1000, 5), 1000, hlc(1000, 6)],
    ['wall clock jumped back: keep our wall, count grows', hlc(1000, 5), 900, hlc(1000, 6)],
    ['wall clock jumped back far', hlc(1000, 5), 0, hlc(1000, 6)],
    ['count at its maximum: borrow a millisecond', hlc(1000, MAX), 1000, hlc(1001, 0)],
    ['count at its maximum while the clock is behind', hlc(1000, MAX), 500, hlc(1001, 0)],
    ['fractional milliseconds are floored', hlc(1000, 5), 1001.9, hlc(1001, 0)],
    ['a NaN reading counts as no progress', hlc(1000, 5), Number.NaN, hlc(1000, 6)],
    ['an infinite reading counts as no progress', hlc(1000, 5), Number.POSITIVE_INFINITY, hlc(1000, 6)],
  ]
  for (const [name, last, now, expected] of table) {
    it(name, () => {
      const next = tickHlc(last, now)
      assert.deepEqual(next, expected)
      assert.equal(compareHlc(next, last), 1, 'a tick is strictly newer')
      assert.ok(isValidHlc(next))
    })
  }
})

describe('receiveHlc', () => {
  const drift = 1000
  const table: Array<[string, Hlc, Hlc, number, Hlc]> = [
    ['remote newest: adopt its wall, count after it', hlc(100, 3), hlc(200, 5), 150, hlc(200, 6)],
    ['wall clock newest: count resets', hlc(100, 3), hlc(90, 9), 300, hlc(300, 0)],
    ['ours newest: count grows', hlc(500, 2), hlc(400, 9), 300, hlc(500, 3)],
    ['all three equal: after both counts', hlc(500, 2), hlc(500, 7), 500, hlc(500, 8)],
    ['ours and remote equal, wall clock behind', hlc(500, 7), hlc(500, 2), 100, hlc(500, 8)],
    ['equal HLC received: strictly after it', hlc(500, 4), hlc(500, 4), 500, hlc(500, 5)],
    ['ours at max count: borrow a millisecond', hlc(500, MAX), hlc(500, 1), 500, hlc(501, 0)],
    ['remote at max count: borrow a millisecond', hlc(500, 3), hlc(500, MAX), 400, hlc(501, 0)],
    ['remote exactly at the drift limit is accepted', hlc(0, 0), hlc(2000, 0), 1000, hlc(2000, 1)],
  ]
  for (const [name, last, remote, now, expected] of table) {
    it(name, () => {
      const r = receiveHlc(last, remote, now, drift)
      assert.ok(r.ok, JSON.stringify(r))
      assert.deepEqual(r.value, expected)
      assert.equal(compareHlc(r.value, last), 1)
      assert.equal(compareHlc(r.value, remote), 1)
    })
  }

  it('refuses a remote wall one millisecond past the drift limit, as a typed error', () => {
    const r = receiveHlc(hlc(100, 0), hlc(2001, 0), 1000, drift)
    assert.deepEqual(r, {
      ok: false,
      error: { type: 'clock-drift', remoteWall: 2001, now: 1000, maxDriftMs: drift },
    })
  })

  it('refuses a remote from next year even with a generous drift', () => {
    const r = receiveHlc(hlc(100, 0), hlc(1000 + 365 * 86_400_000, 0), 1000, 60_000)
    assert.equal(r.ok, false)
    assert.equal(!r.ok && r.error.type, 'clock-drift')
  })

  const invalid: Array<[string, Hlc]> = [
    ['negative wall', hlc(-1, 0)],
    ['fractional wall', hlc(1.5, 0)],
    ['NaN wall', hlc(Number.NaN, 0)],
    ['unsafe wall', hlc(2 ** 53, 0)],
    ['negative count', hlc(1, -1)],
    ['count past the maximum', hlc(1, MAX + 1)],
    ['fractional count', hlc(1, 0.5)],
  ]
  for (const [name, remote] of invalid) {
    it(`refuses an invalid remote timestamp: ${name}`, () => {
      const r = receiveHlc(hlc(100, 0), remote, 1000, drift)
      assert.equal(r.ok, false)
      assert.equal(!r.ok && r.error.type, 'invalid-timestamp')
    })
  }
})

describe('compareHlc, maxHlc, isValidHlc, hlcToString', () => {
  it('orders by wall, then count; equal HLCs compare 0', () => {
    assert.equal(compareHlc(hlc(1, 9), hlc(2, 0)), -1)
    assert.equal(compareHlc(hlc(2, 0), hlc(1, 9)), 1)
    assert.equal(compareHlc(hlc(2, 1), hlc(2, 2)), -1)
    assert.equal(compareHlc(hlc(2, 2), hlc(2, 2)), 0)
  })

  it('maxHlc picks the newer, the first on a tie', () => {
    const a = hlc(5, 1)
    const b = hlc(5, 1)
    assert.equal(maxHlc(a, b), a)
    assert.deepEqual(maxHlc(hlc(4, 9), hlc(5, 0)), hlc(5, 0))
  })

  it('isValidHlc accepts the range ends', () => {
    assert.ok(isValidHlc(HLC_ZERO))
    assert.ok(isValidHlc(hlc(Number.MAX_SAFE_INTEGER, MAX)))
  })

  it('hlcToString is wall.count', () => {
    assert.equal(hlcToString(hlc(1700000000000, 42)), '1700000000000.42')
  })
})

describe('HybridClock', () => {
  it('is monotonic while the wall clock stalls, jumps back and leaps forward', () => {
    const clock = new FakeClock(10_000)
    const hc = new HybridClock(clock.now, 1000)
    const seen: Hlc[] = [hc.tick()]
    for (const step of [0, 0, -5000, 0, 1, -1, 20_000, -20_000, 0]) {
      clock.advance(step)
      seen.push(hc.tick())
    }
    for (let i = 1; i < seen.length; i++) {
      assert.equal(compareHlc(seen[i] as Hlc, seen[i - 1] as Hlc), 1, `tick ${i} not after tick ${i - 1}`)
    }
    assert.deepEqual(seen[seen.length - 1], hlc(25_000, 2))
  })

  it('starts from a given HLC (a restarted node never reissues an old version)', () => {
    const hc = new HybridClock(() => 5, 1000, hlc(9000, 3))
    assert.deepEqual(hc.tick(), hlc(9000, 4))
  })

  it('observe adopts a remote within the drift, and the next tick orders after it', () => {
    const clock = new FakeClock(10_000)
    const hc = new HybridClock(clock.now, 1000)
    hc.tick()
    const r = hc.observe(hlc(10_900, 7))
    assert.ok(r.ok)
    assert.deepEqual(hc.peek(), hlc(10_900, 8))
    assert.deepEqual(hc.tick(), hlc(10_900, 9))
  })

  it('observe refuses a remote past the drift with a typed error and keeps its state', () => {
    const clock = new FakeClock(10_000)
    const hc = new HybridClock(clock.now, 1000)
    const before = hc.tick()
    const r = hc.observe(hlc(11_001, 0))
    assert.deepEqual(r, {
      ok: false,
      error: { type: 'clock-drift', remoteWall: 11_001, now: 10_000, maxDriftMs: 1000 },
    })
    assert.deepEqual(hc.peek(), before, 'a refused timestamp is not adopted')
    assert.deepEqual(hc.tick(), hlc(10_000, 1))
  })

  it('observe refuses an invalid timestamp and keeps its state', () => {
    const hc = new HybridClock(() => 10_000, 1000)
    hc.tick()
    const r = hc.observe(hlc(10_000, MAX + 1))
    assert.equal(!r.ok && r.error.type, 'invalid-timestamp')
    assert.deepEqual(hc.peek(), hlc(10_000, 0))
  })

  it('two nodes ticking in the same millisecond can issue equal HLCs; the origin breaks the tie', () => {
    const a = new HybridClock(() => 10_000, 1000)
    const b = new HybridClock(() => 10_000, 1000)
    const ha = a.tick()
    const hb = b.tick()
    assert.equal(compareHlc(ha, hb), 0)
    const ea = node(PEER_A, ha)
    const eb = node(PEER_B, hb)
    assert.equal(compareEntries(ea, eb), PEER_A < PEER_B ? -1 : 1)
    assert.equal(compareEntries(eb, ea), PEER_A < PEER_B ? 1 : -1)
  })
})
