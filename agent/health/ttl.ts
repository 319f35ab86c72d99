import type { CheckStatus } from '../../crdt/schema.ts'
import type { TtlCheckSpec } from './check-spec.ts'
import { formatDuration } from './duration.ts'
import type { ProbeResult } from './probe.ts'

/**
 * TTL checks are pushed, not probed: the service reports pass/warn/fail with a note, and each
 * report is valid for `ttl`. The deadline is plain clock time (ms from the injected clock), so
 * it can be persisted and restored; silence past it turns the check critical. Pure.
 */
export interface TtlState {
  /** Clock time after which silence means critical. */
  readonly deadline: number
  /** Clock time of the last report, if any. */
  readonly lastReport?: number
}

export type TtlReportStatus = CheckStatus | 'pass' | 'warn' | 'fail'

const ALIASES: Readonly<Record<TtlReportStatus, CheckStatus>> = {
  pass: 'passing',
  warn: 'warning',
  fail: 'critical',
  passing: 'passing',
  warning: 'warning',
  critical: 'critical',
}

export function ttlStatus(s: TtlReportStatus): CheckStatus {
  return ALIASES[s]
}

/** A new TTL check: the first deadline is one TTL after it was added. */
export function ttlStart(spec: TtlCheckSpec, now: number): TtlState {
  return { deadline: now + spec.ttlMs }
}

/** A report: its result and the new deadline. */
export function ttlReport(
  spec: TtlCheckSpec,
  status: TtlReportStatus,
  note: string | undefined,
  now: number,
): { result: ProbeResult; ttl: TtlState } {
  return {
    result: { status: ttlStatus(status), output: note ?? '' },
    ttl: { deadline: now + spec.ttlMs, lastReport: now },
  }
}

/** The result at `now`: critical when past the deadline, else undefined (nothing to do yet). */
export function ttlExpiry(spec: TtlCheckSpec, ttl: TtlState, now: number): ProbeResult | undefined {
  if (now < ttl.deadline) return undefined
  const last =
    ttl.lastReport === undefined
      ? 'no report since the check was registered'
      : `last report ${formatDuration(Math.max(0, now - ttl.lastReport))} ago`
  return {
    status: 'critical',
    output: `TTL expired: no status update within ${formatDuration(spec.ttlMs)} (${last})`,
  }
}
