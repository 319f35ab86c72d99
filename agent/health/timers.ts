/**
 * Timers the scheduler uses, injectable so tests drive time by hand together with a fake clock.
 * The real ones are unref'd: a pending check never keeps the process alive.
 */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export function realTimers(): Timers {
  return {
    setTimeout(fn, ms) {
      const t = setTimeout(fn, ms)
      t.unref()
      return t
    },
    clearTimeout(handle) {
      clearTimeout(handle as NodeJS.Timeout)
    },
  }
}
