import type { CheckSpec } from './check-spec.ts'
import { formatDuration } from './duration.ts'
import { errorText, type Probe, type ProbeResult } from './probe.ts'
import type { Timers } from './timers.ts'

/**
 * One probe run with a last-resort guard: `onResult` gets exactly one result — the probe's, a
 * critical one when the probe throws, or a critical one when it has not finished `graceMs` after
 * its timeout (then `onGiveUp` runs first). The returned promise settles when the probe itself
 * settles, so the caller can refuse to start the same check twice.
 */
export function runGuarded(
  run: {
    readonly probe: Probe<CheckSpec>
    readonly spec: CheckSpec
    readonly signal: AbortSignal
    readonly timers: Timers
    readonly graceMs: number
  },
  on: { readonly onResult: (r: ProbeResult) => void; readonly onGiveUp: () => void },
): Promise<void> {
  const { probe, spec, signal, timers } = run
  let done = false
  const complete = (result: ProbeResult): void => {
    if (done) return
    done = true
    timers.clearTimeout(guard)
    on.onResult(result)
  }
  const guard = timers.setTimeout(() => {
    if (done) return
    on.onGiveUp()
    complete({
      status: 'critical',
      output: `check did not finish within its timeout of ${formatDuration(spec.timeoutMs)}`,
    })
  }, spec.timeoutMs + run.graceMs)
  let pending: Promise<ProbeResult>
  try {
    pending = probe(spec, signal)
  } catch (e) {
    pending = Promise.reject(e)
  }
  return pending.then(complete, (e: unknown) =>
    complete({ status: 'critical', output: `check failed: ${errorText(e)}` }),
  )
}
