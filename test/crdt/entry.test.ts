import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { compareEntries, type Entry, entryFromWire, entryToWire, isTombstone } from '../../crdt/entry.ts'
import { hlc, inst, instanceValue, node, PEER_A, PEER_B } from './fixtures.ts'

const live = (wall: number, count = 0, port = 80, sig?: string): Entry =>
  inst(PEER_A, 'w', hlc(wall, count), instanceValue('w', { port }), sig)
const tomb = (wall: number, count = 0, sig?: string): Entry => inst(PEER_A, 'w', hlc(wall, count), null, sig)

describe('compareEntries', () => {
  const table: Array<[string, Entry, Entry, -1 | 0 | 1]> = [
    ['newer wall wins', live(2), live(1), 1],
    ['older wall loses', live(1, 9), live(2, 0), -1],
    ['newer count wins on an equal wall', live(1, 3), live(1, 2), 1],
    ['a newer live value beats an older tombstone (re-registration)', live(3), tomb(2), 1],
    ['a newer tombstone beats an older live value (delete)', tomb(3), live(2), 1],
    ['equal HLC: tombstone wins over a live value', tomb(5, 1), live(5, 1), 1],
    ['equal HLC: live value loses to a tombstone', live(5, 1), tomb(5, 1), -1],
    ['equal HLC, both live: canonical value bytes decide', live(5, 1, 90), live(5, 1, 80), 1],
    [
      'equal HLC and value: a signed version beats an unsigned one',
      live(5, 1, 80, 'QUJD'),
      live(5, 1, 80),
      1,
    ],
    ['equal HLC and value: signatures decide', live(5, 1, 80, 'QUJE'), live(5, 1, 80, 'QUJD'), 1],
    ['an empty signature is not the same as none', live(5, 1, 80, ''), live(5, 1, 80), 1],
    ['identical entries are equal', live(5, 1, 80, 'QUJD'), live(5, 1, 80, 'QUJD'), 0],
    ['identical tombstones are equal', tomb(5, 1), tomb(5, 1), 0],
    [
      'equal HLC on different origins: the origin decides',
      node(PEER_B, hlc(5, 1)),
      node(PEER_A, hlc(5, 1)),
      PEER_B > PEER_A ? 1 : -1,
    ],
  ]
  for (const [name, a, b, expected] of table) {
    it(name, () => {
      assert.equal(Math.sign(compareEntries(a, b)), expected)
      assert.equal(Math.sign(compareEntries(b, a)) + expected, 0, 'antisymmetric')
    })
  }

  it('is a total order on versions of one key (antisymmetric, transitive, 0 only for equal)', () => {
    const versions: Entry[] = []
    for (const wall of [1, 2])
      for (const count of [0, 1])
        for (const port of [80, 81]) {
          versions.push(
            live(wall, count, port),
            live(wall, count, port, 'QUJD'),
            live(wall, count, port, 'QUJE'),
          )
          versions.push(tomb(wall, count), tomb(wall, count, 'QUJD'))
        }
    for (const a of versions)
      for (const b of versions) {
        const ab = Math.sign(compareEntries(a, b))
        assert.equal(ab + Math.sign(compareEntries(b, a)), 0)
        if (ab === 0) assert.deepEqual(a, b)
        for (const c of versions) {
          if (ab < 0 && compareEntries(b, c) < 0) assert.ok(compareEntries(a, c) < 0)
        }
      }
  })
})

describe('isTombstone', () => {
  it('is true exactly for a null value', () => {
    assert.equal(isTombstone(tomb(1)), true)
    assert.equal(isTombstone(live(1)), false)
  })
})

describe('entryToWire / entryFromWire', () => {
  it('puts the clock in a [wall, count] pair and round-trips', () => {
    const e = live(1700000000000, 7, 80, 'c2ln')
    const w = entryToWire(e)
    assert.deepEqual(w.hlc, [1700000000000, 7])
    assert.equal(w.sig, 'c2ln')
    assert.deepEqual(entryFromWire(w), e)
  })

  it('omits sig when absent (no `sig: undefined` property either way)', () => {
    const e = tomb(3)
    const w = entryToWire(e)
    assert.equal('sig' in w, false)
    assert.equal('sig' in entryFromWire(w), false)
    assert.deepEqual(entryFromWire(w), e)
  })
})
