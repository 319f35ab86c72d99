import type { Logger } from 'pino'
import type { Registry as MetricsRegistry } from 'prom-client'
import type { CheckStatus } from '../../crdt/schema.ts'
import type { LocalCheckState } from '../api/ports.ts'
import type { CheckDefinition } from '../health/definition.ts'
import { HealthScheduler } from '../health/scheduler.ts'
import { parseHealthSnapshot } from '../health/snapshot.ts'
import { validateChecks } from '../health/validate-check.ts'
import type { ChecksPort } from './checks-port.ts'

/** The registry's `ChecksPort` on the real health engine (`HealthScheduler`). */
export interface SchedulerChecks {
  readonly port: ChecksPort
  readonly scheduler: HealthScheduler
  start(): Promise<void>
  stop(): Promise<void>
}

export function createChecks(
  components: { logger: Logger; now: () => number; metrics?: MetricsRegistry; random?: () => number },
  init: { scriptChecksEnabled: boolean },
): SchedulerChecks {
  const scheduler = new HealthScheduler(components, init)
  const log = components.logger.child({ component: 'health' })
  const port: ChecksPort = {
    validate(instanceId, defs) {
      const r = validateChecks(defs, { instanceId, scriptChecksEnabled: init.scriptChecksEnabled })
      return r.ok ? [] : r.error.map((p) => (p.field === '' ? p.message : `${p.field}: ${p.message}`))
    },
    set(instanceId, defs: readonly CheckDefinition[]) {
      scheduler.setChecks(instanceId, defs)
    },
    remove(instanceId) {
      scheduler.removeInstance(instanceId)
    },
    report(checkId, status: CheckStatus, note) {
      const check = scheduler.get(checkId)
      if (check === undefined || check.type !== 'ttl') return false
      scheduler.reportTtl(checkId, status, note)
      return true
    },
    ttlCheckIds(instanceId) {
      return scheduler
        .list(instanceId)
        .filter((c) => c.type === 'ttl')
        .map((c) => c.id)
    },
    states(instanceId): LocalCheckState[] {
      return scheduler.list(instanceId).map((c) => ({
        id: c.id,
        name: c.name,
        type: c.type,
        status: c.status,
        output: c.output,
        since: c.since,
        definition: c.definition,
      }))
    },
    onChange(listener) {
      scheduler.on('check:change', (e) => listener(e.instanceId))
    },
    onDeregisterCritical(listener) {
      scheduler.on('instance:deregister-critical', (e) => listener(e.instanceId))
    },
    snapshot() {
      return scheduler.snapshot()
    },
    restore(snapshot) {
      const parsed = parseHealthSnapshot(snapshot)
      if (!parsed.ok) {
        log.warn(
          { problems: parsed.error },
          'saved check states do not parse; checks start from their initial status',
        )
        return
      }
      scheduler.restore(parsed.value)
    },
  }
  return { port, scheduler, start: () => scheduler.start(), stop: () => scheduler.stop() }
}
