import type Type from 'typebox'
import type { CheckSummary } from '../../../crdt/schema.ts'
import type { InstanceView, NodeView } from '../../../crdt/view.ts'
import type { Duration } from '../../health/definition.ts'
import type { LocalCheckState, LocalInstance } from '../ports.ts'
import type { ConsulCheckAnswer } from './consul-schemas.ts'

/**
 * Health checks in Consul's shape (`HealthCheck` / `AgentCheck`), from what the catalog and the
 * local registry know. Consul shows node liveness as a node check named `serfHealth` and
 * maintenance as an extra critical check (`_service_maintenance:<id>`, `_node_maintenance`);
 * we derive the same checks from the node's member state and the instance's health.
 */
export type ConsulStatus = 'passing' | 'warning' | 'critical'

/** A check as Consul answers it (`HealthCheck` / `AgentCheck`); the schema is in consul-schemas.ts. */
export type ConsulCheck = Type.Static<typeof ConsulCheckAnswer>

export const SERF_CHECK_ID = 'serfHealth'
export const NODE_MAINTENANCE_ID = '_node_maintenance'
export const SERVICE_MAINTENANCE_PREFIX = '_service_maintenance:'

const DEFAULT_SERVICE_MAINT_NOTE =
  'Maintenance mode is enabled for this service, but no reason was provided. This is a default message.'
const DEFAULT_NODE_MAINT_NOTE =
  'Maintenance mode is enabled for this node, but no reason was provided. This is a default message.'

/** Our check types in Consul's words (exec checks are Consul's "script" checks). */
export function consulCheckType(type: string): string {
  return type === 'exec' ? 'script' : type
}

export function durationText(d: Duration | undefined): string | undefined {
  if (d === undefined) return undefined
  return typeof d === 'number' ? `${d}ms` : d
}

interface CheckBase {
  readonly node: string
  readonly index: number
}

function check(base: CheckBase, f: Partial<ConsulCheck> & Pick<ConsulCheck, 'CheckID' | 'Name' | 'Status'>) {
  const c: ConsulCheck = {
    Node: base.node,
    CheckID: f.CheckID,
    Name: f.Name,
    Status: f.Status,
    Notes: f.Notes ?? '',
    Output: f.Output ?? '',
    ServiceID: f.ServiceID ?? '',
    ServiceName: f.ServiceName ?? '',
    ServiceTags: f.ServiceTags ?? [],
    Type: f.Type ?? '',
    ExposedPort: 0,
    Definition: {},
    CreateIndex: base.index,
    ModifyIndex: base.index,
  }
  return c
}

/** The node-level checks Consul would show for a node: liveness, and maintenance when on. */
export function nodeChecks(
  node: Pick<NodeView, 'name' | 'state' | 'maintenance'>,
  index: number,
): ConsulCheck[] {
  const base = { node: node.name, index }
  const alive = node.state === 'alive' || node.state === 'suspect'
  const out = [
    check(base, {
      CheckID: SERF_CHECK_ID,
      Name: 'Serf Health Status',
      Status: alive ? 'passing' : 'critical',
      Output: alive ? 'Agent alive and reachable' : 'Agent not live or unreachable',
    }),
  ]
  if (node.maintenance) {
    out.push(
      check(base, {
        CheckID: NODE_MAINTENANCE_ID,
        Name: 'Node Maintenance Mode',
        Status: 'critical',
        Notes: DEFAULT_NODE_MAINT_NOTE,
      }),
    )
  }
  return out
}

function serviceMaintenance(base: CheckBase, id: string, service: string, tags: string[], reason?: string) {
  return check(base, {
    CheckID: `${SERVICE_MAINTENANCE_PREFIX}${id}`,
    Name: 'Service Maintenance Mode',
    Status: 'critical',
    Notes: reason ?? DEFAULT_SERVICE_MAINT_NOTE,
    ServiceID: id,
    ServiceName: service,
    ServiceTags: tags,
  })
}

/**
 * The service checks of an instance as the catalog has them, plus the maintenance check when the
 * instance itself is in maintenance (its own record says so; node maintenance is a node check).
 */
export function instanceChecks(
  iv: InstanceView,
  node: { readonly name: string },
  index: number,
  maintenanceReason?: string,
): ConsulCheck[] {
  const base = { node: node.name, index }
  const v = iv.instance
  const out = v.checks.map((c: CheckSummary) =>
    check(base, {
      CheckID: c.id,
      Name: c.name,
      Status: c.status,
      Output: c.output,
      ServiceID: v.id,
      ServiceName: v.service,
      ServiceTags: [...v.tags],
      Type: consulCheckType(c.type),
    }),
  )
  if (v.health === 'maintenance') {
    out.push(serviceMaintenance(base, v.id, v.service, [...v.tags], maintenanceReason))
  }
  return out
}

/** A check registered on this agent, as `GET /v1/agent/checks` shows it. */
export function localCheck(node: string, li: LocalInstance, c: LocalCheckState, index: number): ConsulCheck {
  const out = check(
    { node, index },
    {
      CheckID: c.id,
      Name: c.name,
      Status: c.status,
      Output: c.output,
      ServiceID: li.id,
      ServiceName: li.value.service,
      ServiceTags: [...li.value.tags],
      Type: consulCheckType(c.type),
    },
  )
  const interval = durationText(c.definition.interval)
  const timeout = durationText(c.definition.timeout)
  if (interval !== undefined) out.Interval = interval
  if (timeout !== undefined) out.Timeout = timeout
  return out
}

/** Every check this agent holds for one local instance, maintenance included. */
export function localInstanceChecks(node: string, li: LocalInstance, index: number): ConsulCheck[] {
  const out = li.checks.map((c) => localCheck(node, li, c, index))
  if (li.maintenance) {
    out.push(
      serviceMaintenance({ node, index }, li.id, li.value.service, [...li.value.tags], li.maintenanceReason),
    )
  }
  return out
}

/** The node maintenance check of this agent, when on. */
export function localNodeMaintenance(node: string, enabled: boolean, index: number): ConsulCheck[] {
  if (!enabled) return []
  return [
    check(
      { node, index },
      {
        CheckID: NODE_MAINTENANCE_ID,
        Name: 'Node Maintenance Mode',
        Status: 'critical',
        Notes: DEFAULT_NODE_MAINT_NOTE,
      },
    ),
  ]
}

/**
 * Consul's aggregated status: `maintenance` when a maintenance check is present, otherwise the
 * worst status (critical > warning > passing); no checks is passing.
 */
export function aggregateStatus(
  checks: readonly Pick<ConsulCheck, 'CheckID' | 'Status'>[],
): ConsulStatus | 'maintenance' {
  if (
    checks.some((c) => c.CheckID === NODE_MAINTENANCE_ID || c.CheckID.startsWith(SERVICE_MAINTENANCE_PREFIX))
  ) {
    return 'maintenance'
  }
  if (checks.some((c) => c.Status === 'critical')) return 'critical'
  if (checks.some((c) => c.Status === 'warning')) return 'warning'
  return 'passing'
}
