import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { ProbeRound } from '../../../agent/gossip/probe-round.ts'
import { seededRandom } from '../../helpers/prng.ts'

describe('ProbeRound (SWIM probe order)', () => {
  it('every member exactly once per round, whatever the members and the seed', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1 }), { minLength: 1, maxLength: 40 }),
        fc.integer(),
        (members, seed) => {
          const round = new ProbeRound(seededRandom(seed))
          for (let r = 0; r < 3; r++) {
            const seen = members.map(() => round.next(members, () => true))
            assert.deepEqual([...seen].sort(), [...members].sort())
          }
        },
      ),
    )
  })

  it('skips members that are not eligible and returns undefined when none is', () => {
    const round = new ProbeRound(seededRandom(1))
    const members = ['a', 'b', 'c', 'd']
    const got = [0, 1, 2, 3].map(() => round.next(members, (m) => m !== 'b'))
    assert.ok(!got.includes('b'))
    assert.equal(new Set(got.slice(0, 3)).size, 3, 'the three eligible ones, once each in a round')
    assert.equal(
      round.next(members, () => false),
      undefined,
    )
  })

  it('a new round takes members that joined meanwhile', () => {
    const round = new ProbeRound(seededRandom(2))
    const members = ['a', 'b']
    round.next(members, () => true)
    round.next(members, () => true)
    members.push('c')
    const next = [0, 1, 2].map(() => round.next(members, () => true))
    assert.deepEqual([...next].sort(), ['a', 'b', 'c'])
  })

  it('orders differ between rounds (shuffled, not a fixed rotation)', () => {
    const round = new ProbeRound(seededRandom(3))
    const members = Array.from({ length: 20 }, (_, i) => `m${i}`)
    const one = members.map(() => round.next(members, () => true))
    const two = members.map(() => round.next(members, () => true))
    assert.notDeepEqual(one, two)
  })
})
