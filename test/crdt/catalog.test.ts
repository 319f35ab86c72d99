import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Catalog, isExpired, type MergeOptions, type MergeOutcome } from '../../crdt/catalog.ts'
import type { Entry } from '../../crdt/entry.ts'
import { instanceKey, nodeKey } from '../../crdt/keys.ts'
import { FOREVER, hlc, inst, instanceValue, keysOf, node, nodeValue, PEER_A, PEER_B, T0 } from './fixtures.ts'

const HOUR = 3_600_000
const opts: MergeOptions = { now: T0, horizonMs: 24 * HOUR, maxDriftMs: 60_000 }

function catalogWith(...entries: Entry[]): Catalog {
  const c = new Catalog()
  for (const e of entries) assert.equal(c.merge(e, FOREVER).outcome, 'applied')
  return c
}

describe('Catalog.merge outcomes', () => {
  const held = inst(PEER_A, 'w', hlc(T0, 5))
  const table: Array<[string, Entry[], Entry, MergeOutcome]> = [
    ['a new key is applied', [], inst(PEER_A, 'w', hlc(T0, 0)), 'applied'],
    ['a newer version is applied', [held], inst(PEER_A, 'w', hlc(T0, 6)), 'applied'],
    ['the same version again is a duplicate', [held], inst(PEER_A, 'w', hlc(T0, 5)), 'duplicate'],
    ['an older version is stale', [held], inst(PEER_A, 'w', hlc(T0, 4)), 'stale'],
    [
      'equal HLC, different value: the canonical bytes decide (greater applies)',
      [held],
      inst(PEER_A, 'w', hlc(T0, 5), instanceValue('w', { port: 9999 })),
      'applied',
    ],
    [
      'equal HLC, different value: the canonical bytes decide (smaller is stale)',
      [held],
      inst(PEER_A, 'w', hlc(T0, 5), instanceValue('w', { port: 1 })),
      'stale',
    ],
    [
      'an origin writing another origin’s key',
      [],
      { ...inst(PEER_A, 'w', hlc(T0)), origin: PEER_B },
      'not-owned',
    ],
    [
      'an instance key whose value names another id',
      [],
      { ...inst(PEER_A, 'w', hlc(T0)), value: instanceValue('x') },
      'not-owned',
    ],
    [
      'a node key holding an instance',
      [],
      { ...node(PEER_A, hlc(T0)), value: instanceValue('w') },
      'not-owned',
    ],
    ['a malformed key', [], { ...inst(PEER_A, 'w', hlc(T0)), key: 'inst/only-origin' }, 'not-owned'],
    ['stamped past the drift limit', [], inst(PEER_A, 'w', hlc(T0 + 60_001)), 'future'],
    ['stamped exactly at the drift limit', [], inst(PEER_A, 'w', hlc(T0 + 60_000)), 'applied'],
    ['older than the horizon', [], inst(PEER_A, 'w', hlc(T0 - 24 * HOUR - 1)), 'expired'],
    ['exactly at the horizon', [], inst(PEER_A, 'w', hlc(T0 - 24 * HOUR)), 'applied'],
    ['an expired tombstone', [], inst(PEER_A, 'w', hlc(T0 - 25 * HOUR), null), 'expired'],
  ]
  for (const [name, before, entry, expected] of table) {
    it(`${name}: ${expected}`, () => {
      const c = catalogWith(...before)
      const snapshot = c.canonical()
      const prior = c.get(entry.key)
      assert.equal(c.check(entry, opts), expected, 'check')
      const r = c.merge(entry, opts)
      assert.equal(r.outcome, expected, 'merge')
      if (expected === 'applied') {
        assert.deepEqual(r.change, { previous: prior, current: entry })
        assert.equal(c.get(entry.key), entry)
      } else {
        assert.equal(r.change, undefined)
        assert.equal(c.canonical(), snapshot, 'a refused entry changes nothing')
      }
    })
  }

  it('check never changes the catalog', () => {
    const c = new Catalog()
    assert.equal(c.check(inst(PEER_A, 'w', hlc(T0)), opts), 'applied')
    assert.equal(c.size, 0)
  })

  it('mergeAll returns the applied changes in input order with their previous versions', () => {
    const c = new Catalog()
    const v1 = inst(PEER_A, 'w', hlc(T0, 1))
    const v2 = inst(PEER_A, 'w', hlc(T0, 2))
    const n1 = node(PEER_B, hlc(T0, 1))
    const changes = c.mergeAll([v1, n1, v1, inst(PEER_A, 'w', hlc(T0, 0)), v2], FOREVER)
    assert.deepEqual(changes, [
      { previous: undefined, current: v1 },
      { previous: undefined, current: n1 },
      { previous: v1, current: v2 },
    ])
  })
})

describe('tombstones', () => {
  it('a delete wins over a late update stamped before it, in either arrival order', () => {
    const update = inst(PEER_A, 'w', hlc(T0, 1), instanceValue('w', { health: 'critical' }))
    const del = inst(PEER_A, 'w', hlc(T0, 2), null)
    const a = catalogWith(del)
    assert.equal(a.merge(update, opts).outcome, 'stale')
    const b = catalogWith(update)
    assert.equal(b.merge(del, opts).outcome, 'applied')
    assert.equal(a.get(instanceKey(PEER_A, 'w'))?.value, null)
    assert.equal(a.canonical(), b.canonical())
  })

  it('a re-registration stamped after the delete brings the record back', () => {
    const c = catalogWith(inst(PEER_A, 'w', hlc(T0, 2), null))
    const again = inst(PEER_A, 'w', hlc(T0, 3))
    assert.equal(c.merge(again, opts).outcome, 'applied')
    assert.equal(c.get(again.key), again)
  })

  it('on an equal HLC the tombstone wins, whichever arrives first', () => {
    const live = inst(PEER_A, 'w', hlc(T0, 7))
    const del = inst(PEER_A, 'w', hlc(T0, 7), null)
    const a = catalogWith(live)
    a.merge(del, opts)
    const b = catalogWith(del)
    assert.equal(b.merge(live, opts).outcome, 'stale')
    assert.equal(a.canonical(), b.canonical())
    assert.equal(a.get(live.key)?.value, null)
  })

  it('a tombstone counts in the digest like any entry', () => {
    const c = catalogWith(inst(PEER_A, 'w', hlc(T0, 1)))
    const before = c.digest().get(PEER_A)
    c.merge(inst(PEER_A, 'w', hlc(T0, 2), null), opts)
    const after = c.digest().get(PEER_A)
    assert.equal(after?.count, 1)
    assert.notEqual(after?.sum, before?.sum)
    assert.deepEqual(after?.max, hlc(T0, 2))
  })
})

describe('garbage collection and the expiry horizon', () => {
  const horizon = 24 * HOUR

  it('isExpired is strict at the horizon', () => {
    assert.equal(isExpired(inst(PEER_A, 'w', hlc(T0 - horizon)), T0, horizon), false)
    assert.equal(isExpired(inst(PEER_A, 'w', hlc(T0 - horizon - 1)), T0, horizon), true)
    assert.equal(isExpired(inst(PEER_A, 'w', hlc(0)), T0, Number.POSITIVE_INFINITY), false)
  })

  it('gc removes live entries and tombstones past the horizon and returns them', () => {
    const oldDel = inst(PEER_A, 'gone', hlc(T0, 0), null)
    const oldLive = inst(PEER_A, 'stale', hlc(T0, 1))
    const fresh = inst(PEER_A, 'fresh', hlc(T0 + 2 * HOUR))
    const c = catalogWith(oldDel, oldLive, fresh)
    const later = T0 + horizon + 1
    assert.deepEqual(keysOf(c.gc(later, horizon)), keysOf([oldDel, oldLive]))
    assert.deepEqual(keysOf(c.values()), keysOf([fresh]))
    assert.deepEqual(c.gc(later, horizon), [], 'gc is idempotent')
  })

  it('after gc the digest equals that of a catalog that never held the removed entries', () => {
    const c = catalogWith(
      inst(PEER_A, 'a', hlc(T0)),
      inst(PEER_A, 'b', hlc(T0 + 5 * HOUR)),
      node(PEER_B, hlc(T0)),
    )
    c.gc(T0 + horizon + 1, horizon)
    const fresh = catalogWith(inst(PEER_A, 'b', hlc(T0 + 5 * HOUR)))
    assert.deepEqual(c.digest(), fresh.digest())
    assert.deepEqual([...c.originIds()], [PEER_A], 'an origin with nothing left is forgotten')
  })

  it('a late version older than the horizon does not resurrect a collected delete', () => {
    const c = new Catalog()
    const t1 = T0
    c.merge(inst(PEER_A, 'w', hlc(t1, 0)), opts)
    c.merge(inst(PEER_A, 'w', hlc(t1 + HOUR, 0), null), opts)
    const later: MergeOptions = { ...opts, now: t1 + HOUR + horizon + 1 }
    assert.equal(c.gc(later.now, horizon).length, 1)
    assert.equal(c.get(instanceKey(PEER_A, 'w')), undefined, 'the tombstone is collected')
    const late = inst(PEER_A, 'w', hlc(t1, 0))
    assert.equal(c.merge(late, later).outcome, 'expired')
    assert.equal(c.get(late.key), undefined, 'not resurrected')
  })

  it('after gc, a clock that jumps back does not let a collected version back in', () => {
    const c = new Catalog()
    c.merge(inst(PEER_A, 'w', hlc(T0)), opts)
    c.merge(inst(PEER_A, 'w', hlc(T0 + HOUR), null), { ...opts, now: T0 + HOUR })
    const gcAt = T0 + HOUR + horizon + 1
    assert.equal(c.gc(gcAt, horizon).length, 1)
    const jumpedBack: MergeOptions = { ...opts, now: gcAt - 2 * HOUR }
    assert.equal(c.merge(inst(PEER_A, 'w', hlc(T0)), jumpedBack).outcome, 'expired')
    assert.equal(c.get(instanceKey(PEER_A, 'w')), undefined)
    assert.equal(
      c.merge(inst(PEER_A, 'w', hlc(gcAt - 2 * HOUR)), jumpedBack).outcome,
      'applied',
      'newer ones still apply',
    )
  })

  it('a late version inside the horizon meets the tombstone, still held, and is stale', () => {
    const c = new Catalog()
    c.merge(inst(PEER_A, 'w', hlc(T0 + HOUR), null), { ...opts, now: T0 + HOUR })
    const now = T0 + horizon
    assert.equal(c.gc(now, horizon).length, 0)
    assert.equal(c.merge(inst(PEER_A, 'w', hlc(T0)), { ...opts, now }).outcome, 'stale')
  })

  it('a node gone longer than the horizon ages out; one that re-stamps stays', () => {
    const c = catalogWith(node(PEER_A, hlc(T0)), node(PEER_B, hlc(T0)))
    c.merge(node(PEER_B, hlc(T0 + 12 * HOUR), nodeValue('host-b')), { ...opts, now: T0 + 12 * HOUR })
    c.gc(T0 + horizon + 1, horizon)
    assert.equal(c.get(nodeKey(PEER_A)), undefined)
    assert.equal(c.get(nodeKey(PEER_B))?.hlc.wall, T0 + 12 * HOUR)
  })
})

describe('reads', () => {
  it('size, get, values, originEntries, originIds', () => {
    const a1 = inst(PEER_A, 'a1', hlc(T0))
    const a2 = inst(PEER_A, 'a2', hlc(T0, 1), null)
    const b = node(PEER_B, hlc(T0))
    const c = catalogWith(a1, a2, b)
    assert.equal(c.size, 3)
    assert.equal(c.get(a1.key), a1)
    assert.equal(c.get('inst/nobody/x'), undefined)
    assert.deepEqual(keysOf(c.values()), keysOf([a1, a2, b]))
    assert.deepEqual(keysOf(c.originEntries(PEER_A)), keysOf([a1, a2]))
    assert.deepEqual([...c.originEntries('12D3KooWUnknownPeer')], [])
    assert.deepEqual([...c.originIds()].sort(), [PEER_A, PEER_B])
  })

  it('canonical() is sorted by key and independent of insertion order', () => {
    const es = [inst(PEER_B, 'z', hlc(T0)), inst(PEER_A, 'a', hlc(T0, 3)), node(PEER_A, hlc(T0, 1), null)]
    const x = catalogWith(...es)
    const y = catalogWith(...[...es].reverse())
    assert.equal(x.canonical(), y.canonical())
    const lines = x.canonical().split('\n')
    assert.equal(lines.length, 3)
    assert.deepEqual(
      lines.map((l) => JSON.parse(l).key),
      es.map((e) => e.key).sort(),
    )
    assert.equal(new Catalog().canonical(), '')
  })
})
