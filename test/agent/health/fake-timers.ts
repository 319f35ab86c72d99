import type { Timers } from '../../../agent/health/timers.ts'
import type { FakeClock } from '../../helpers/fake-clock.ts'

/**
 * Timers driven together with a FakeClock: `advance(ms)` moves the clock to each due timer in
 * order, runs it, and lets promise chains settle before the next one.
 */
export class FakeTimers implements Timers {
  private readonly clock: FakeClock
  private readonly due = new Map<number, { at: number; seq: number; fn: () => void }>()
  private seq = 0

  constructor(clock: FakeClock) {
    this.clock = clock
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq
    this.due.set(id, { at: this.clock.now() + Math.max(0, ms), seq: id, fn })
    return id
  }

  clearTimeout(handle: unknown): void {
    this.due.delete(handle as number)
  }

  get pending(): number {
    return this.due.size
  }

  /** Runs every timer due within `ms`, in time order, then leaves the clock at now + ms. */
  async advance(ms: number): Promise<void> {
    const end = this.clock.now() + ms
    await settle()
    for (;;) {
      let next: [number, { at: number; seq: number; fn: () => void }] | undefined
      for (const e of this.due) {
        if (
          e[1].at <= end &&
          (next === undefined || e[1].at < next[1].at || (e[1].at === next[1].at && e[1].seq < next[1].seq))
        ) {
          next = e
        }
      }
      if (next === undefined) break
      this.due.delete(next[0])
      if (next[1].at > this.clock.now()) this.clock.set(next[1].at)
      next[1].fn()
      await settle()
    }
    this.clock.set(end)
  }
}

/** Lets pending promise callbacks run (a few macrotask turns; no time passes). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r))
}
