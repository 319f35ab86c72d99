import { createHash } from 'node:crypto'
import type { InstanceValue } from '../../../crdt/schema.ts'
import type { CatalogView, InstanceView, NodeView } from '../../../crdt/view.ts'
import type { MemberInfo } from '../ports.ts'
import { type ConsulCheck, instanceChecks, nodeChecks } from './check-shapes.ts'

/**
 * Catalog answers in Consul's shapes (`Node`, `CatalogService`, `ServiceEntry`, `AgentService`).
 * Consul's per-record `CreateIndex`/`ModifyIndex` become the view index the answer was built
 * from (a record's own raft index does not exist here); node ids are UUIDs derived from peer ids.
 */

/** A stable UUID-shaped node id for a libp2p peer id (Consul node ids are UUIDs). */
export function consulNodeId(origin: string): string {
  const h = createHash('sha256').update(origin, 'utf8').digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`
}

export function taggedAddresses(address: string): Record<string, string> {
  if (address === '') return {}
  const v6 = address.includes(':')
  return v6
    ? { lan: address, lan_ipv6: address, wan: address, wan_ipv6: address }
    : { lan: address, lan_ipv4: address, wan: address, wan_ipv4: address }
}

/** What an answer needs to know about an instance's node, even before the node record arrives. */
export interface NodeFacts {
  readonly id: string
  readonly name: string
  readonly address: string
  readonly meta: Readonly<Record<string, string>>
  readonly state: NodeView['state']
  readonly maintenance: boolean
}

export function nodeFacts(node: NodeView): NodeFacts {
  return {
    id: consulNodeId(node.origin),
    name: node.name,
    address: node.addresses[0] ?? '',
    meta: node.meta,
    state: node.state,
    maintenance: node.maintenance,
  }
}

export function instanceNode(view: CatalogView, iv: InstanceView): NodeFacts {
  const node = view.nodeByOrigin(iv.origin)
  if (node !== undefined) return nodeFacts(node)
  return {
    id: consulNodeId(iv.origin),
    name: iv.instance.node,
    address: iv.instance.address,
    meta: {},
    state: iv.nodeState,
    maintenance: false,
  }
}

export function consulNode(n: NodeFacts, dc: string, index: number) {
  return {
    ID: n.id,
    Node: n.name,
    Address: n.address,
    Datacenter: dc,
    TaggedAddresses: taggedAddresses(n.address),
    Meta: { ...n.meta },
    CreateIndex: index,
    ModifyIndex: index,
  }
}

export function weights(v: InstanceValue) {
  return { Passing: Math.max(1, v.weight), Warning: 1 }
}

/** `AgentService`, as /v1/agent/services and /v1/agent/service/:id answer it. */
export function agentService(v: InstanceValue, dc: string) {
  return {
    ID: v.id,
    Service: v.service,
    Tags: [...v.tags],
    Meta: { ...v.meta },
    Port: v.port,
    Address: v.address,
    TaggedAddresses: {},
    Weights: weights(v),
    EnableTagOverride: false,
    Datacenter: dc,
  }
}

/** One element of /v1/catalog/service/:name. */
export function catalogService(n: NodeFacts, v: InstanceValue, dc: string, index: number) {
  return {
    ID: n.id,
    Node: n.name,
    Address: n.address,
    Datacenter: dc,
    TaggedAddresses: taggedAddresses(n.address),
    NodeMeta: { ...n.meta },
    ServiceKind: '',
    ServiceID: v.id,
    ServiceName: v.service,
    ServiceTags: [...v.tags],
    ServiceAddress: v.address,
    ServiceTaggedAddresses: {},
    ServiceWeights: weights(v),
    ServiceMeta: { ...v.meta },
    ServicePort: v.port,
    ServiceEnableTagOverride: false,
    ServiceProxy: {},
    ServiceConnect: {},
    CreateIndex: index,
    ModifyIndex: index,
  }
}

/** The `Service` object inside a health entry and a catalog node's `Services` map. */
export function nodeService(v: InstanceValue, index: number) {
  return {
    ID: v.id,
    Service: v.service,
    Tags: [...v.tags],
    Address: v.address,
    TaggedAddresses: {},
    Meta: { ...v.meta },
    Port: v.port,
    Weights: weights(v),
    EnableTagOverride: false,
    Proxy: {},
    Connect: {},
    CreateIndex: index,
    ModifyIndex: index,
  }
}

export interface HealthEntry {
  readonly Node: ReturnType<typeof consulNode>
  readonly Service: ReturnType<typeof nodeService>
  readonly Checks: ConsulCheck[]
}

/** One element of /v1/health/service/:name: node, service and every check (node checks first). */
export function healthEntry(view: CatalogView, iv: InstanceView, dc: string, index: number): HealthEntry {
  const n = instanceNode(view, iv)
  return {
    Node: consulNode(n, dc, index),
    Service: nodeService(iv.instance, index),
    Checks: [...nodeChecks(n, index), ...instanceChecks(iv, n, index)],
  }
}

/** Instances that answers show: those whose node has not left. */
export function answerable(list: readonly InstanceView[]): InstanceView[] {
  return list.filter((iv) => iv.nodeState !== 'left')
}

/** `ip:port` of a member for Consul's "server address" answers; the tcp port of its first multiaddr. */
export function memberAddress(m: Pick<MemberInfo, 'addresses' | 'multiaddrs'>): string {
  const ma = m.multiaddrs.find((a) => /\/tcp\/[0-9]+/.test(a))
  const host = m.addresses[0] ?? /^\/ip[46]\/([^/]+)/.exec(ma ?? '')?.[1] ?? '127.0.0.1'
  const port = /\/tcp\/([0-9]+)/.exec(ma ?? '')?.[1] ?? '0'
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}

/** Consul (serf) member status numbers: alive 1, left 3, failed 4. A suspect is still alive. */
export function memberStatus(state: MemberInfo['state']): number {
  switch (state) {
    case 'alive':
    case 'suspect':
      return 1
    case 'left':
      return 3
    case 'unreachable':
      return 4
  }
}

/** An element of /v1/agent/members (and `Member` in /v1/agent/self). */
export function consulMember(m: MemberInfo, dc: string) {
  const addr = memberAddress(m)
  const port = Number(addr.slice(addr.lastIndexOf(':') + 1))
  return {
    Name: m.name,
    Addr: addr.slice(0, addr.lastIndexOf(':')).replace(/^\[|\]$/g, ''),
    Port: port,
    Tags: {
      ...m.meta,
      role: 'node',
      dc,
      id: consulNodeId(m.origin),
      build: m.agentVersion,
      peer_id: m.origin,
      vsn: '2',
      vsn_min: '2',
      vsn_max: '3',
    },
    Status: memberStatus(m.state),
    ProtocolMin: 1,
    ProtocolMax: 5,
    ProtocolCur: 2,
    DelegateMin: 2,
    DelegateMax: 5,
    DelegateCur: 4,
  }
}
