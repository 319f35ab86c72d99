import type { CheckStatus } from '../../crdt/schema.ts'
import type { CheckType } from './definition.ts'

/** Events of the HealthScheduler (typed EventEmitter map). */
export interface CheckChangeEvent {
  readonly instanceId: string
  readonly checkId: string
  readonly type: CheckType
  readonly status: CheckStatus
  readonly previous: CheckStatus
  readonly output: string
  /** Clock time of the change. */
  readonly since: number
}

export interface DeregisterCriticalEvent {
  readonly instanceId: string
  readonly checkId: string
  /** Clock time the check became critical. */
  readonly criticalSince: number
  readonly deregisterCriticalAfterMs: number
}

export interface HealthSchedulerEvents {
  'check:change': [CheckChangeEvent]
  'instance:deregister-critical': [DeregisterCriticalEvent]
}
