/** Digests and `entriesNewerThan`: every branch of the anti-entropy comparison, then whole exchanges. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Catalog } from '../../crdt/catalog.ts'
import type { Entry } from '../../crdt/entry.ts'
import { hashString, hashToHex, xorHash } from '../../crdt/hash.ts'
import {
  digestsEqual,
  exchange,
  FOREVER,
  hlc,
  inst,
  instanceValue,
  keysOf,
  node,
  PEER_A,
  PEER_B,
  T0,
} from './fixtures.ts'

function catalogOf(entries: Entry[]): Catalog {
  const c = new Catalog()
  c.mergeAll(entries, FOREVER)
  return c
}

// Origin A's history: four writes, then a1 rewritten (a health change).
const a1 = inst(PEER_A, 'a1', hlc(T0 + 1))
const a2 = inst(PEER_A, 'a2', hlc(T0 + 2))
const a3 = inst(PEER_A, 'a3', hlc(T0 + 3))
const a4 = inst(PEER_A, 'a4', hlc(T0 + 4), null)
const a1b = inst(PEER_A, 'a1', hlc(T0 + 5), instanceValue('a1', { health: 'critical' }))
const b1 = node(PEER_B, hlc(T0 + 1))

describe('digest', () => {
  it('holds, per origin, the newest version, the key count and a checksum', () => {
    const c = catalogOf([a1, a2, a3, b1])
    const d = c.digest()
    assert.deepEqual([...d.keys()].sort(), [PEER_A, PEER_B])
    const da = d.get(PEER_A)
    assert.deepEqual(da?.max, hlc(T0 + 3))
    assert.equal(da?.count, 3)
    assert.match(da?.sum ?? '', /^[0-9a-f]{16}$/)
  })

  it('is the same for the same entries merged in any order, with duplicates and stale copies', () => {
    const x = catalogOf([a1, a2, a3, a1b, b1])
    const y = catalogOf([b1, a1b, a3, a1, a2, a1b, a2])
    assert.deepEqual(x.digest(), y.digest())
  })

  it('changes its checksum when a version is replaced, even with the same key count', () => {
    const x = catalogOf([a1, a2])
    const y = catalogOf([a1b, a2])
    assert.equal(x.digest().get(PEER_A)?.count, y.digest().get(PEER_A)?.count)
    assert.notEqual(x.digest().get(PEER_A)?.sum, y.digest().get(PEER_A)?.sum)
  })

  it('has one line per origin, however many entries (O(origins))', () => {
    const c = new Catalog()
    for (let i = 0; i < 500; i++) c.merge(inst(PEER_A, `i${i}`, hlc(T0 + i)), FOREVER)
    assert.equal(c.digest().size, 1)
  })

  it('checksums the key, version and tombstone flag of every entry, xor-combined', () => {
    const c = catalogOf([a1, a4])
    const h = (e: Entry) =>
      hashString(`${e.key}|${e.hlc.wall}.${e.hlc.count}|${e.value === null ? 't' : 'l'}`)
    assert.equal(c.digest().get(PEER_A)?.sum, hashToHex(xorHash(h(a1), h(a4))))
  })
})

describe('entriesNewerThan, branch by branch', () => {
  const table: Array<[string, Entry[], Entry[], Entry[]]> = [
    ['the peer never heard of the origin: all of it', [a1, a2, a3], [], [a1, a2, a3]],
    ['equal: nothing', [a1, a2, a3], [a1, a2, a3], []],
    ['the peer is behind without a gap: only the newer entries', [a1, a2, a3, a4], [a1, a2], [a3, a4]],
    [
      'the peer is behind and missed an older entry (a gap): all of the origin',
      [a1, a2, a3, a4],
      [a1, a3],
      [a1, a2, a3, a4],
    ],
    [
      'the peer is behind, we rewrote a key since: only the rewrite, not the whole origin',
      [a1b, a2, a3],
      [a1, a2, a3],
      [a1b],
    ],
    ['same newest version but diverged: all of the origin', [a1, a2, a3], [a1, a3], [a1, a2, a3]],
    ['the peer is ahead: nothing from this side', [a1, a2], [a1, a2, a3], []],
    [
      'the peer is ahead and lacks an older one: still nothing (its answer covers it)',
      [a1, a2],
      [a1, a3],
      [],
    ],
  ]
  for (const [name, ours, theirs, expected] of table) {
    it(name, () => {
      const us = catalogOf(ours)
      const peer = catalogOf(theirs)
      assert.deepEqual(keysOf(us.entriesNewerThan(peer.digest())), keysOf(expected))
    })
  }

  it('decides each origin on its own', () => {
    const us = catalogOf([a1, a2, a3, b1])
    const peer = catalogOf([a1, a2, b1])
    assert.deepEqual(keysOf(us.entriesNewerThan(peer.digest())), keysOf([a3]))
    assert.deepEqual(keysOf(us.entriesNewerThan(new Map())), keysOf([a1, a2, a3, b1]))
  })

  it('sends tombstones like any entry, so deletes propagate', () => {
    const us = catalogOf([a1, a2, a3, a4])
    const peer = catalogOf([a1, a2, a3])
    const out = us.entriesNewerThan(peer.digest())
    assert.deepEqual(out, [a4])
    peer.mergeAll(out, FOREVER)
    assert.equal(peer.canonical(), us.canonical())
  })
})

describe('the two-way exchange', () => {
  it('converges two replicas that each hold changes the other lacks, in one exchange, sending only changes', () => {
    const x = catalogOf([a1, a2, b1])
    const y = catalogOf([a1, a2, a3, a4])
    const { toA, toB } = exchange(x, y, FOREVER)
    assert.equal(toA, 2, 'x receives a3 and a4')
    assert.equal(toB, 1, 'y receives b1')
    assert.equal(x.canonical(), y.canonical())
    assert.ok(digestsEqual(x, y))
    assert.deepEqual(exchange(x, y, FOREVER), { toA: 0, toB: 0 }, 'a second exchange transfers nothing')
  })

  it('heals a gap hidden behind a rewrite on the next exchange', () => {
    // y missed a2; x also rewrote a1 after a3, so y's key count cannot show the gap.
    const x = catalogOf([a1, a2, a3, a1b])
    const y = catalogOf([a1, a3])
    exchange(y, x, FOREVER)
    assert.equal(digestsEqual(x, y), false, 'the gap is still there after one exchange')
    exchange(y, x, FOREVER)
    assert.equal(x.canonical(), y.canonical())
  })

  it('heals when the behind side starts the exchange and when the ahead side does', () => {
    for (const starterIsBehind of [true, false]) {
      const x = catalogOf([a1, a2, a3, a4, a1b])
      const y = catalogOf([a1])
      if (starterIsBehind) exchange(y, x, FOREVER)
      else exchange(x, y, FOREVER)
      assert.equal(x.canonical(), y.canonical())
    }
  })
})
