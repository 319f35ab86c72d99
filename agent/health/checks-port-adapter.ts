import type { CheckStatus } from '../../crdt/schema.ts'
import type { LocalCheckState } from '../api/ports.ts'
import { GrapevineError } from '../errors.ts'
import type { ChecksPort } from '../registry/checks-port.ts'
import type { CheckDefinition } from './definition.ts'
import type { HealthScheduler } from './scheduler.ts'
import { parseHealthSnapshot } from './snapshot.ts'

/**
 * The registry's view of the health engine (agent/registry/checks-port.ts) over a
 * HealthScheduler. The composition root builds one scheduler, starts it, and hands this
 * adapter to the registry.
 */
export class SchedulerChecksPort implements ChecksPort {
  private readonly scheduler: HealthScheduler

  constructor(scheduler: HealthScheduler) {
    this.scheduler = scheduler
  }

  validate(instanceId: string, defs: readonly CheckDefinition[]): readonly string[] {
    return this.scheduler
      .validate(instanceId, defs)
      .map((p) => (p.field === '' ? p.message : `${p.field}: ${p.message}`))
  }

  set(instanceId: string, defs: readonly CheckDefinition[]): void {
    this.scheduler.setChecks(instanceId, defs)
  }

  remove(instanceId: string): void {
    this.scheduler.removeInstance(instanceId)
  }

  report(checkId: string, status: CheckStatus, note?: string): boolean {
    if (this.scheduler.get(checkId)?.type !== 'ttl') return false
    this.scheduler.reportTtl(checkId, status, note)
    return true
  }

  ttlCheckIds(instanceId: string): readonly string[] {
    return this.scheduler
      .list(instanceId)
      .filter((c) => c.type === 'ttl')
      .map((c) => c.id)
  }

  states(instanceId: string): readonly LocalCheckState[] {
    return this.scheduler.list(instanceId).map((c) => ({
      id: c.id,
      name: c.name,
      type: c.type,
      status: c.status,
      output: c.output,
      since: c.since,
      definition: c.definition,
    }))
  }

  onChange(listener: (instanceId: string) => void): void {
    this.scheduler.on('check:change', (e) => listener(e.instanceId))
  }

  onDeregisterCritical(listener: (instanceId: string) => void): void {
    this.scheduler.on('instance:deregister-critical', (e) => listener(e.instanceId))
  }

  snapshot(): unknown {
    return this.scheduler.snapshot()
  }

  /** Throws STATE_CORRUPT when the saved value is not a health snapshot. */
  restore(snapshot: unknown): void {
    const r = parseHealthSnapshot(snapshot)
    if (!r.ok) {
      throw new GrapevineError(
        'STATE_CORRUPT',
        `saved check state is not valid (${r.error.join('; ')}); fix or remove it, or start with --reset-local-state`,
      )
    }
    this.scheduler.restore(r.value)
  }
}
