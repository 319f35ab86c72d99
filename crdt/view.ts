import type { Hlc } from './hlc.ts'
import type { Health, InstanceValue } from './schema.ts'

/**
 * The read model that dns/ and the HTTP API answer from: the merged catalog joined with what
 * this observer knows about each node's liveness. Plain data and pure functions; the agent
 * keeps one up to date and hands it out.
 */

export const MEMBER_STATES = ['alive', 'suspect', 'unreachable', 'left'] as const
/**
 * alive: heard from recently. suspect: missed heartbeats, not yet confirmed (answers unchanged).
 * unreachable: confirmed gone; its instances are reported critical. left: said goodbye; its
 * instances are gone from answers at once.
 */
export type MemberState = (typeof MEMBER_STATES)[number]

export interface NodeView {
  readonly origin: string
  readonly name: string
  readonly addresses: readonly string[]
  readonly multiaddrs: readonly string[]
  readonly meta: Readonly<Record<string, string>>
  readonly maintenance: boolean
  readonly agentVersion: string
  readonly state: MemberState
  /** Version of the node record. */
  readonly hlc: Hlc
}

export interface InstanceView {
  readonly key: string
  readonly origin: string
  /** Version of this record; `now - hlc.wall` is its freshness. */
  readonly hlc: Hlc
  readonly instance: InstanceValue
  /** The health answers use: the instance's own, overridden by its node's state (`effectiveHealth`). */
  readonly health: Health
  readonly nodeState: MemberState
}

export interface CatalogView {
  /** Grows by at least one on every change visible through this view; never goes back. */
  readonly index: number
  /** The origin (peer id) of the agent that holds this view. */
  readonly localOrigin: string
  /** Service names (as registered), sorted. */
  serviceNames(): readonly string[]
  /** Instances of a service, matched case-insensitively, in a stable order (by key). */
  instancesOf(service: string): readonly InstanceView[]
  /** Every instance, stable order. */
  instances(): readonly InstanceView[]
  nodes(): readonly NodeView[]
  /** A node by name, matched case-insensitively. */
  nodeByName(name: string): NodeView | undefined
  nodeByOrigin(origin: string): NodeView | undefined
}

/**
 * An instance's health as every answer reports it. A node confirmed unreachable makes all of its
 * instances critical (observers never write records they do not own: this is derived, not
 * stored); node maintenance drains them; a merely suspected node changes nothing yet.
 * `undefined` means the instance is not answered at all (its node left).
 */
export function effectiveHealth(
  own: Health,
  node: { state: MemberState; maintenance: boolean } | undefined,
): Health | undefined {
  if (node === undefined) return own
  if (node.state === 'left') return undefined
  if (node.state === 'unreachable') return 'critical'
  if (node.maintenance) return 'maintenance'
  return own
}

/** Build an immutable view from lists (for tests, and for snapshots). */
export function createCatalogView(input: {
  index: number
  localOrigin: string
  instances: readonly InstanceView[]
  nodes: readonly NodeView[]
}): CatalogView {
  const byService = new Map<string, InstanceView[]>()
  const names = new Map<string, string>()
  const sorted = [...input.instances].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  for (const inst of sorted) {
    const lower = inst.instance.service.toLowerCase()
    let list = byService.get(lower)
    if (list === undefined) {
      list = []
      byService.set(lower, list)
      names.set(lower, inst.instance.service)
    }
    list.push(inst)
  }
  const nodes = [...input.nodes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  const byName = new Map(nodes.map((n) => [n.name.toLowerCase(), n]))
  const byOrigin = new Map(nodes.map((n) => [n.origin, n]))
  const serviceNames = [...names.values()].sort()
  return {
    index: input.index,
    localOrigin: input.localOrigin,
    serviceNames: () => serviceNames,
    instancesOf: (service) => byService.get(service.toLowerCase()) ?? [],
    instances: () => sorted,
    nodes: () => nodes,
    nodeByName: (name) => byName.get(name.toLowerCase()),
    nodeByOrigin: (origin) => byOrigin.get(origin),
  }
}
