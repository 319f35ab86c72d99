import type { CheckStatus } from '../../crdt/schema.ts'
import type { ProbeResult } from './probe.ts'

/**
 * The pure heart of a check: (state, probe result) -> new state, with Consul's hysteresis.
 * Counters count consecutive results: a passing or warning result is a success (it resets the
 * failure count), a critical result is a failure (it resets the success count).
 * - A success shows once `successes >= successBeforePassing` (0 or 1: at once).
 * - A failure shows as critical once `failures >= failuresBeforeCritical`, else as warning once
 *   `failures >= failuresBeforeWarning` (which defaults to failuresBeforeCritical).
 * Until a threshold is reached the check keeps its shown status and output.
 */
export interface Thresholds {
  readonly successBeforePassing: number
  readonly failuresBeforeWarning: number
  readonly failuresBeforeCritical: number
}

export interface CheckState {
  readonly status: CheckStatus
  readonly output: string
  /** Clock time (ms) of the last change of `status` (or of creation). */
  readonly since: number
  /** Consecutive passing/warning results. */
  readonly successes: number
  /** Consecutive critical results. */
  readonly failures: number
}

export interface TransitionResult {
  readonly state: CheckState
  /** True when the shown status changed (the only thing that becomes a new catalog version). */
  readonly changed: boolean
}

export function initialCheckState(status: CheckStatus, now: number, output = ''): CheckState {
  return { status, output, since: now, successes: 0, failures: 0 }
}

export function transition(
  state: CheckState,
  result: ProbeResult,
  rules: Thresholds,
  now: number,
): TransitionResult {
  let shown: CheckStatus | undefined
  let successes = state.successes
  let failures = state.failures
  if (result.status === 'critical') {
    failures += 1
    successes = 0
    if (failures >= rules.failuresBeforeCritical) shown = 'critical'
    else if (failures >= rules.failuresBeforeWarning) shown = 'warning'
  } else {
    successes += 1
    failures = 0
    if (successes >= rules.successBeforePassing) shown = result.status
  }
  successes = Math.min(successes, 1_000_000)
  failures = Math.min(failures, 1_000_000)
  if (shown === undefined) {
    return { state: { ...state, successes, failures }, changed: false }
  }
  const changed = shown !== state.status
  return {
    state: { status: shown, output: result.output, since: changed ? now : state.since, successes, failures },
    changed,
  }
}
