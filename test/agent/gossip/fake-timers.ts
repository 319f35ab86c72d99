import type { Timers } from '../../../agent/gossip/timers.ts'
import type { FakeClock } from '../../helpers/fake-clock.ts'

/**
 * Timers driven by a FakeClock. `advance(ms)` moves time forward and fires every timer that falls
 * due, each at its own due time (timers on time); `stall(ms)` moves the clock without firing
 * anything, so the next `advance` fires overdue timers late (a paused process).
 */
export class FakeTimers implements Timers {
  private readonly clock: FakeClock
  private readonly pending = new Map<number, { at: number; fn: () => void }>()
  private nextId = 1

  constructor(clock: FakeClock) {
    this.clock = clock
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++
    this.pending.set(id, { at: this.clock.now() + Math.max(0, ms), fn })
    return id
  }

  clearTimeout(handle: unknown): void {
    if (typeof handle === 'number') this.pending.delete(handle)
  }

  get size(): number {
    return this.pending.size
  }

  /** Move time forward by `ms`, firing due timers in order (on time, or late if already overdue). */
  advance(ms: number): void {
    const end = this.clock.now() + ms
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined
      for (const entry of this.pending) if (next === undefined || entry[1].at < next[1].at) next = entry
      if (next === undefined || next[1].at > end) break
      this.pending.delete(next[0])
      if (next[1].at > this.clock.now()) this.clock.set(next[1].at)
      next[1].fn()
    }
    this.clock.set(end)
  }

  /** The process was paused for `ms`: time passes, nothing fires. */
  stall(ms: number): void {
    this.clock.advance(ms)
  }
}
