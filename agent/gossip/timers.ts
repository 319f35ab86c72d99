/**
 * Timer functions, injected so tests drive time by hand. `systemTimers` is the real one; handles
 * are opaque and unref'd, so a forgotten timer never keeps the process alive.
 */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export const systemTimers: Timers = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms)
    t.unref()
    return t
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}
