import type { CheckEntry } from './check-entry.ts'
import type { Timers } from './timers.ts'

/**
 * `deregisterCriticalAfter`: keeps one timer per check that is critical, due when it will have
 * been critical that long; `onExpired` runs once per critical episode. A check that leaves
 * critical (even briefly) clears the timer and starts the clock again.
 */
export function armDeregister(
  entry: CheckEntry,
  ctx: { readonly timers: Timers; readonly now: () => number; readonly onExpired: (after: number) => void },
): void {
  const after = entry.spec.deregisterCriticalAfterMs
  if (after === undefined) return
  if (entry.state.status !== 'critical') {
    if (entry.deregTimer !== undefined) ctx.timers.clearTimeout(entry.deregTimer)
    entry.deregTimer = undefined
    entry.deregNotified = false
    return
  }
  if (entry.deregNotified || entry.deregTimer !== undefined) return
  const delay = Math.max(0, entry.state.since + after - ctx.now())
  entry.deregTimer = ctx.timers.setTimeout(() => {
    entry.deregTimer = undefined
    if (entry.removed || entry.state.status !== 'critical' || entry.deregNotified) return
    if (ctx.now() < entry.state.since + after) return armDeregister(entry, ctx)
    entry.deregNotified = true
    ctx.onExpired(after)
  }, delay)
}
