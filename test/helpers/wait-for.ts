/**
 * Wait on a condition with a deadline (never a bare sleep): polls `check` until it returns a
 * truthy value, and fails with `what` and the last value seen when the deadline passes.
 */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  opts: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<NonNullable<T>> {
  const timeoutMs = opts.timeoutMs ?? 10_000
  const intervalMs = opts.intervalMs ?? 25
  const deadline = performance.now() + timeoutMs
  let last: T | undefined
  let lastError: unknown
  for (;;) {
    try {
      last = await check()
      if (last) return last as NonNullable<T>
    } catch (e) {
      lastError = e
    }
    if (performance.now() > deadline) {
      const detail =
        lastError instanceof Error ? ` (last error: ${lastError.message})` : ` (last value: ${String(last)})`
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`)
    }
    await new Promise((r) => setTimeout(r, intervalMs))
  }
}
