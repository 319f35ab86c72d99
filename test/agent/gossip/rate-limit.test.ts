import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { RateLimiter } from '../../../agent/gossip/rate-limit.ts'

describe('RateLimiter', () => {
  it('allows a burst, then the average rate, per key', () => {
    const rl = new RateLimiter({ perSecond: 2, burst: 3 })
    const t = 1000
    assert.deepEqual(
      [1, 2, 3, 4].map(() => rl.take('a', t)),
      [true, true, true, false],
    )
    assert.equal(rl.take('b', t), true, 'keys are independent')
    assert.equal(rl.take('a', t + 499), false)
    assert.equal(rl.take('a', t + 500), true, 'one token back after 1/rate s')
    assert.equal(rl.take('a', t + 500), false)
    assert.deepEqual(
      [1, 2, 3, 4].map(() => rl.take('a', t + 100_000)),
      [true, true, true, false],
      'refill caps at burst',
    )
  })

  it('a clock that goes back grants nothing extra', () => {
    const rl = new RateLimiter({ perSecond: 1, burst: 1 })
    assert.equal(rl.take('a', 5000), true)
    assert.equal(rl.take('a', 1000), false)
  })

  it('stays bounded in keys', () => {
    const rl = new RateLimiter({ perSecond: 1, burst: 1, maxKeys: 10 })
    for (let i = 0; i < 1000; i++) rl.take(`k${i}`, 0)
    assert.ok((rl as unknown as { buckets: Map<string, unknown> }).buckets.size <= 10)
  })
})
