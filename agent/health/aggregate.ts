import type { CheckStatus, Health } from '../../crdt/schema.ts'

/**
 * An instance's health from its checks: maintenance (of the instance or of the whole node)
 * overrides everything; otherwise the worst check wins (critical > warning > passing). An
 * instance without checks is passing. Pure.
 */
export interface MaintenanceFlags {
  readonly instance?: boolean
  readonly node?: boolean
}

const RANK: Readonly<Record<CheckStatus, number>> = { passing: 0, warning: 1, critical: 2 }

export function aggregateHealth(statuses: Iterable<CheckStatus>, maintenance: MaintenanceFlags = {}): Health {
  if (maintenance.instance === true || maintenance.node === true) return 'maintenance'
  let worst: CheckStatus = 'passing'
  for (const s of statuses) if (RANK[s] > RANK[worst]) worst = s
  return worst
}
