import { Counter, Histogram, type Registry } from 'prom-client'

/**
 * The health subsystem's metrics, created on the registry passed in (reused when another
 * scheduler on the same registry made them first).
 */
export interface HealthMetrics {
  readonly results: Counter<'type' | 'status'>
  readonly changes: Counter<'type' | 'status'>
  readonly duration: Histogram<'type'>
}

function existing<T>(registry: Registry, name: string): T | undefined {
  return registry.getSingleMetric(name) as T | undefined
}

export function createHealthMetrics(registry: Registry): HealthMetrics {
  const results =
    existing<Counter<'type' | 'status'>>(registry, 'grapevine_check_results_total') ??
    new Counter({
      name: 'grapevine_check_results_total',
      help: 'Check results (raw probe results and TTL reports, before hysteresis) by check type and status.',
      labelNames: ['type', 'status'] as const,
      registers: [registry],
    })
  const changes =
    existing<Counter<'type' | 'status'>>(registry, 'grapevine_check_status_changes_total') ??
    new Counter({
      name: 'grapevine_check_status_changes_total',
      help: 'Changes of a check status (after hysteresis) by check type and new status.',
      labelNames: ['type', 'status'] as const,
      registers: [registry],
    })
  const duration =
    existing<Histogram<'type'>>(registry, 'grapevine_check_probe_duration_seconds') ??
    new Histogram({
      name: 'grapevine_check_probe_duration_seconds',
      help: 'How long one probe took, by check type.',
      labelNames: ['type'] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    })
  return { results, changes, duration }
}
