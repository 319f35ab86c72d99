import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DueQueue } from '../../../agent/health/due-queue.ts'
import { FakeClock } from '../../helpers/fake-clock.ts'
import { FakeTimers } from './fake-timers.ts'

function setup(onDue?: (item: string, at: number, q: DueQueue<string>) => void) {
  const clock = new FakeClock(1_000)
  const timers = new FakeTimers(clock)
  const fired: [string, number, number][] = []
  const q: DueQueue<string> = new DueQueue(
    { timers, now: clock.now },
    {
      gridMs: 100,
      onDue: (item, at) => {
        fired.push([item, at, clock.now()])
        onDue?.(item, at, q)
      },
    },
  )
  return { clock, timers, fired, q }
}

describe('DueQueue', () => {
  it('rounds times up to the grid and runs items of one slot in one wakeup, in slot order', async () => {
    const { timers, fired, q } = setup()
    q.schedule('b', 1_250)
    q.schedule('a', 1_201)
    q.schedule('c', 1_050)
    q.schedule('d', 1_300)
    assert.equal(q.dueAt('a'), 1_300)
    assert.equal(q.dueAt('c'), 1_100)
    assert.equal(timers.pending, 1, 'one timer for the whole queue')
    await timers.advance(1_000)
    assert.deepEqual(fired, [
      ['c', 1_100, 1_100],
      ['b', 1_300, 1_300],
      ['a', 1_300, 1_300],
      ['d', 1_300, 1_300],
    ])
    assert.equal(q.size, 0)
    assert.equal(timers.pending, 0)
  })

  it('scheduling again moves an item; cancel removes it, and the timer goes with the last item', async () => {
    const { timers, fired, q } = setup()
    q.schedule('a', 1_500)
    q.schedule('b', 1_500)
    q.schedule('a', 1_200)
    q.cancel('b')
    q.cancel('nope')
    await timers.advance(1_000)
    assert.deepEqual(fired, [['a', 1_200, 1_200]])
    q.schedule('c', 3_000)
    q.cancel('c')
    assert.equal(timers.pending, 0)
  })

  it('an earlier item re-arms the timer; a later one keeps it', async () => {
    const { timers, fired, q } = setup()
    q.schedule('late', 5_000)
    q.schedule('early', 1_100)
    q.schedule('later', 9_000)
    assert.equal(timers.pending, 1)
    await timers.advance(100)
    assert.deepEqual(fired, [['early', 1_100, 1_100]])
    await timers.advance(3_900)
    assert.deepEqual(
      fired.map((f) => f[0]),
      ['early', 'late'],
    )
  })

  it('an item rescheduled into the slot being run waits for the next slot (no busy loop)', async () => {
    let again = 3
    const { timers, fired, q } = setup((item, _at, queue) => {
      if (again-- > 0) queue.schedule(item, 0)
    })
    q.schedule('x', 1_000)
    await timers.advance(1_000)
    assert.deepEqual(
      fired.map((f) => f[1]),
      [1_000, 1_100, 1_200, 1_300],
    )
  })

  it('a cancel of another item of the same slot while it runs skips that item', async () => {
    const { timers, fired, q } = setup((item, _at, queue) => {
      if (item === 'a') queue.cancel('b')
    })
    q.schedule('a', 1_100)
    q.schedule('b', 1_100)
    q.schedule('c', 1_100)
    await timers.advance(500)
    assert.deepEqual(
      fired.map((f) => f[0]),
      ['a', 'c'],
    )
  })

  it('clear drops every item and the timer', async () => {
    const { timers, fired, q } = setup()
    q.schedule('a', 1_100)
    q.schedule('b', 1_900)
    q.clear()
    assert.equal(timers.pending, 0)
    await timers.advance(2_000)
    assert.deepEqual(fired, [])
    q.schedule('c', 3_100)
    await timers.advance(200)
    assert.deepEqual(
      fired.map((f) => f[0]),
      ['c'],
    )
  })
})
