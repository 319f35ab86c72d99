import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ResponseRateLimiter } from '../../dns/rate-limit.ts'
import { FakeClock } from '../helpers/fake-clock.ts'

describe('ResponseRateLimiter', () => {
  it('allows the burst, then the rate; slips every Nth limited reply', () => {
    const clock = new FakeClock()
    const rl = new ResponseRateLimiter(
      { now: clock.now },
      { responsesPerSecond: 10, burst: 5, slip: 2, maxSources: 100 },
    )
    const got = Array.from({ length: 9 }, () => rl.check('10.0.0.1'))
    assert.deepEqual(got, ['send', 'send', 'send', 'send', 'send', 'drop', 'slip', 'drop', 'slip'])
    clock.advance(100) // one token at 10/s
    assert.equal(rl.check('10.0.0.1'), 'send')
    assert.equal(rl.check('10.0.0.1'), 'drop')
  })
  it('sources are independent', () => {
    const clock = new FakeClock()
    const rl = new ResponseRateLimiter(
      { now: clock.now },
      { responsesPerSecond: 1, burst: 1, slip: 0, maxSources: 100 },
    )
    assert.equal(rl.check('a'), 'send')
    assert.equal(rl.check('a'), 'drop')
    assert.equal(rl.check('b'), 'send')
  })
  it('slip 0 never slips', () => {
    const rl = new ResponseRateLimiter(
      { now: () => 0 },
      { responsesPerSecond: 1, burst: 1, slip: 0, maxSources: 10 },
    )
    rl.check('a')
    for (let i = 0; i < 10; i++) assert.equal(rl.check('a'), 'drop')
  })
  it('tracks at most maxSources, forgetting the oldest', () => {
    const rl = new ResponseRateLimiter(
      { now: () => 0 },
      { responsesPerSecond: 1, burst: 1, slip: 0, maxSources: 3 },
    )
    for (const s of ['a', 'b', 'c', 'd']) rl.check(s)
    assert.equal(rl.trackedSources, 3)
    assert.equal(rl.check('a'), 'send', 'a was forgotten, so it starts a fresh bucket')
  })
})
