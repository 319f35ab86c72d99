import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  consistentOrder,
  localFirst,
  orderInstances,
  rotate,
  shuffle,
  weightedOrder,
} from '../../../agent/api/strategy.ts'
import { seededRandom } from './setup.ts'

const item = (key: string, weight = 1, origin = 'A') => ({ key, origin, instance: { weight } })
const keys = (list: readonly { key: string }[]) => list.map((x) => x.key)

describe('strategy', () => {
  it('rotate moves the start by the turn, wrapping', () => {
    const list = ['a', 'b', 'c']
    assert.deepEqual(rotate(list, 0), ['a', 'b', 'c'])
    assert.deepEqual(rotate(list, 1), ['b', 'c', 'a'])
    assert.deepEqual(rotate(list, 5), ['c', 'a', 'b'])
    assert.deepEqual(rotate([], 3), [])
  })

  it('shuffle is a permutation and depends on the random source', () => {
    const list = Array.from({ length: 20 }, (_, i) => i)
    const a = shuffle(list, seededRandom(1))
    assert.deepEqual(
      [...a].sort((x, y) => x - y),
      list,
    )
    assert.notDeepEqual(a, list)
    assert.deepEqual(shuffle(list, seededRandom(1)), a)
  })

  it('weighted picks first in proportion to weight (seeded, 20k draws)', () => {
    const list = [item('a', 1), item('b', 3), item('c', 6), item('z', 0)]
    const random = seededRandom(42)
    const firsts: Record<string, number> = { a: 0, b: 0, c: 0, z: 0 }
    const n = 20_000
    for (let i = 0; i < n; i++) {
      const order = weightedOrder(list, random)
      firsts[order[0]!.key]!++
      assert.equal(order[3]!.key, 'z', 'weight 0 always last')
    }
    assert.equal(firsts['z'], 0)
    for (const [k, share] of [
      ['a', 0.1],
      ['b', 0.3],
      ['c', 0.6],
    ] as const) {
      const got = firsts[k]! / n
      // 4 standard deviations of a binomial proportion at n = 20k is under 0.015.
      assert.ok(Math.abs(got - share) < 0.015, `${k}: ${got} vs ${share}`)
    }
  })

  it('consistent_hash is stable for a key and moves few keys when an instance is added', () => {
    const list = Array.from({ length: 10 }, (_, i) => item(`inst/A/i${i}`))
    const first = (l: typeof list, k: string) => consistentOrder(l, k)[0]!.key
    assert.equal(first(list, 'user-1'), first([...list].reverse(), 'user-1'), 'independent of input order')
    const spread = new Set(Array.from({ length: 200 }, (_, i) => first(list, `user-${i}`)))
    assert.ok(spread.size >= 8, `keys spread over instances (${spread.size})`)
    const bigger = [...list, item('inst/A/i10')]
    let moved = 0
    for (let i = 0; i < 1000; i++) {
      const before = first(list, `user-${i}`)
      const after = first(bigger, `user-${i}`)
      if (before !== after) {
        moved++
        assert.equal(after, 'inst/A/i10', 'a key only moves to the new instance')
      }
    }
    assert.ok(moved > 30 && moved < 180, `about 1/11 of keys move (${moved})`)
  })

  it('local_first puts this agent’s instances first, keeping order inside each group', () => {
    const list = [item('1', 1, 'B'), item('2', 1, 'A'), item('3', 1, 'B'), item('4', 1, 'A')]
    assert.deepEqual(keys(localFirst(list, 'A')), ['2', '4', '1', '3'])
  })

  it('orderInstances dispatches, and no strategy keeps the stable order', () => {
    const list = [item('a'), item('b'), item('c')]
    const ctx = { random: seededRandom(3), turn: 2, localOrigin: 'A', key: 'k' }
    assert.deepEqual(keys(orderInstances(list, undefined, ctx)), ['a', 'b', 'c'])
    assert.deepEqual(keys(orderInstances(list, 'round_robin', ctx)), ['c', 'a', 'b'])
    assert.equal(orderInstances(list, 'random', ctx).length, 3)
    assert.equal(orderInstances(list, 'weighted', ctx).length, 3)
    assert.deepEqual(keys(orderInstances(list, 'consistent_hash', ctx)), keys(consistentOrder(list, 'k')))
    assert.deepEqual(keys(orderInstances(list, 'local_first', ctx)), ['a', 'b', 'c'])
  })
})
