import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { weightedOrder } from '../../dns/order.ts'
import { seededRandom } from './catalog-fixture.ts'

function firstCounts(
  entries: { weight: number; local: boolean }[],
  runs: number,
  preferLocal = false,
  seed = 1,
) {
  const random = seededRandom(seed)
  const counts = new Array<number>(entries.length).fill(0)
  for (let i = 0; i < runs; i++) counts[weightedOrder(entries, random, preferLocal)[0]!]!++
  return counts
}

describe('weightedOrder', () => {
  it('is a permutation', () => {
    const entries = Array.from({ length: 50 }, (_, i) => ({ weight: i % 4, local: i % 3 === 0 }))
    const order = weightedOrder(entries, seededRandom(3), true)
    assert.deepEqual(
      [...order].sort((a, b) => a - b),
      entries.map((_, i) => i),
    )
  })
  it('a weight-10 entry comes first about ten times as often as a weight-1 entry', () => {
    const counts = firstCounts(
      [
        { weight: 10, local: false },
        { weight: 1, local: false },
      ],
      20000,
    )
    const ratio = counts[0]! / counts[1]!
    assert.ok(ratio > 8.5 && ratio < 11.5, `ratio ${ratio}`)
  })
  it('equal weights: each first about equally often (shuffled)', () => {
    const counts = firstCounts(
      Array.from({ length: 4 }, () => ({ weight: 1, local: false })),
      20000,
    )
    for (const c of counts) assert.ok(c > 4500 && c < 5500, `counts ${counts}`)
  })
  it('weight 0 comes after every positive weight', () => {
    const random = seededRandom(9)
    for (let i = 0; i < 200; i++) {
      const order = weightedOrder(
        [
          { weight: 0, local: false },
          { weight: 1, local: false },
          { weight: 0, local: false },
        ],
        random,
        false,
      )
      assert.equal(order[0], 1)
    }
  })
  it('preferLocal puts local entries first, weighted among themselves', () => {
    const entries = [
      { weight: 100, local: false },
      { weight: 1, local: true },
      { weight: 3, local: true },
    ]
    const random = seededRandom(5)
    for (let i = 0; i < 200; i++) {
      const order = weightedOrder(entries, random, true)
      assert.equal(order[2], 0)
    }
    const counts = firstCounts(entries, 20000, true)
    assert.equal(counts[0], 0)
    const ratio = counts[2]! / counts[1]!
    assert.ok(ratio > 2.5 && ratio < 3.5, `ratio ${ratio}`)
  })
  it('without preferLocal, locality does not matter', () => {
    const counts = firstCounts(
      [
        { weight: 100, local: false },
        { weight: 1, local: true },
      ],
      2000,
    )
    assert.ok(counts[0]! > counts[1]! * 20)
  })
  it('is deterministic for a seed', () => {
    const entries = Array.from({ length: 10 }, (_, i) => ({ weight: i + 1, local: false }))
    assert.deepEqual(
      weightedOrder(entries, seededRandom(7), false),
      weightedOrder(entries, seededRandom(7), false),
    )
  })
})
