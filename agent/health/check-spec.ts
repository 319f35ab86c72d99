import type { CheckStatus } from '../../crdt/schema.ts'
import type { CheckType } from './definition.ts'

/**
 * A check as the scheduler runs it: every option resolved to its default, durations in
 * milliseconds, targets split. Built only by `validateCheck` (validate-check.ts).
 */
export const CHECK_DEFAULTS = {
  intervalMs: 10_000,
  /** The timeout default is this or the interval, whichever is shorter. */
  timeoutMs: 5_000,
  /** Like Consul: a new check is critical until its first result says otherwise. */
  initialStatus: 'critical' as CheckStatus,
  successBeforePassing: 0,
  failuresBeforeCritical: 0,
  httpMethod: 'GET',
  /** The shortest interval accepted (a check more often than this is a load test, not a check). */
  minIntervalMs: 100,
} as const

/** Output kept from a probe (HTTP body, script stdout+stderr): at most this many bytes. */
export const OUTPUT_MAX_BYTES = 4096

interface SpecBase {
  readonly id: string
  readonly name: string
  readonly intervalMs: number
  readonly timeoutMs: number
  readonly initialStatus: CheckStatus
  readonly successBeforePassing: number
  readonly failuresBeforeWarning: number
  readonly failuresBeforeCritical: number
  /** Absent: never deregister. */
  readonly deregisterCriticalAfterMs?: number
}

export interface HttpCheckSpec extends SpecBase {
  readonly type: 'http'
  readonly url: string
  readonly method: string
  readonly headers: Readonly<Record<string, readonly string[]>>
  readonly body?: string
  readonly tlsSkipVerify: boolean
}

export interface TcpCheckSpec extends SpecBase {
  readonly type: 'tcp'
  readonly host: string
  readonly port: number
}

export interface GrpcCheckSpec extends SpecBase {
  readonly type: 'grpc'
  readonly host: string
  readonly port: number
  /** The service name sent in HealthCheckRequest; '' asks about the server as a whole. */
  readonly service: string
  readonly useTls: boolean
  readonly tlsSkipVerify: boolean
}

export interface TtlCheckSpec extends SpecBase {
  readonly type: 'ttl'
  readonly ttlMs: number
}

export interface ExecCheckSpec extends SpecBase {
  readonly type: 'exec'
  readonly args: readonly string[]
}

export type CheckSpec = HttpCheckSpec | TcpCheckSpec | GrpcCheckSpec | TtlCheckSpec | ExecCheckSpec

export type SpecOf<T extends CheckType> = Extract<CheckSpec, { type: T }>
