import type { CheckStatus } from '../../crdt/schema.ts'
import type { LocalCheckState } from '../api/ports.ts'
import type { CheckDefinition } from '../health/definition.ts'

/**
 * What the registry needs from the health engine. `agent/health` implements it; tests use a
 * scripted fake. Keeping the registry on this port lets either side change without the other.
 */
export interface ChecksPort {
  /** Every problem with the definitions, each naming its field; empty when all are valid. */
  validate(instanceId: string, defs: readonly CheckDefinition[]): readonly string[]
  /** Replace all checks of an instance (start running them). */
  set(instanceId: string, defs: readonly CheckDefinition[]): void
  remove(instanceId: string): void
  /** TTL report by check id; false when there is no such TTL check. */
  report(checkId: string, status: CheckStatus, note?: string): boolean
  /** The TTL check ids of an instance (to report by instance id). */
  ttlCheckIds(instanceId: string): readonly string[]
  states(instanceId: string): readonly LocalCheckState[]
  /** Called with the instance id whenever one of its checks changes status. */
  onChange(listener: (instanceId: string) => void): void
  /** Called when an instance's check has been critical past its `deregisterCriticalAfter`. */
  onDeregisterCritical(listener: (instanceId: string) => void): void
  snapshot(): unknown
  restore(snapshot: unknown): void
}
