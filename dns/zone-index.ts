import type { CatalogView, InstanceView, NodeView } from '../crdt/view.ts'
import { canonicalIp, type IpFamily } from './addresses.ts'

/**
 * What the answering functions need from one catalog view, indexed once per view index: the
 * instances each name may return (health policy applied), and address -> names for PTR.
 */

export interface ServableInstance {
  readonly view: InstanceView
  /** Parsed address; undefined when the instance address is a host name. */
  readonly ip: { readonly family: IpFamily; readonly ip: string } | undefined
  /** Tags as DNS labels compare them: UTF-8 bytes read as latin1, ASCII-lowercased. */
  readonly tagLabels: ReadonlySet<string>
  /** Registered on the node that holds this view. */
  readonly local: boolean
  /** Passes the health policy (passing, or warning when allowed). */
  readonly servable: boolean
}

export interface ZoneIndex {
  readonly view: CatalogView
  readonly index: number
  /** Every instance of the service (any health), matched case-insensitively. */
  instancesOf(service: string): readonly ServableInstance[]
  /** Node names (as registered) and service names that own `ip`, for PTR. */
  namesForIp(ip: string): { readonly nodes: readonly string[]; readonly services: readonly string[] }
  /** True when some servable instance or live node has this address (for HEX.addr names). */
  hasAddress(ip: string): boolean
  node(name: string): NodeView | undefined
}

export interface ZonePolicy {
  /** Return warning instances too (critical and maintenance never are). */
  readonly allowWarning: boolean
}

export function tagToLabel(tag: string): string {
  return Buffer.from(tag, 'utf8')
    .toString('latin1')
    .replace(/[A-Z]/g, (c) => c.toLowerCase())
}

export function isServable(health: InstanceView['health'], policy: ZonePolicy): boolean {
  return health === 'passing' || (health === 'warning' && policy.allowWarning)
}

export function buildZoneIndex(view: CatalogView, policy: ZonePolicy): ZoneIndex {
  const byService = new Map<string, ServableInstance[]>()
  const ptr = new Map<string, { nodes: string[]; services: string[] }>()
  const addresses = new Set<string>()
  const ptrEntry = (ip: string) => {
    let e = ptr.get(ip)
    if (e === undefined) {
      e = { nodes: [], services: [] }
      ptr.set(ip, e)
    }
    return e
  }
  for (const node of view.nodes()) {
    if (node.state === 'left') continue
    for (const a of node.addresses) {
      const c = canonicalIp(a)
      if (c === undefined) continue
      addresses.add(c.ip)
      const e = ptrEntry(c.ip)
      if (!e.nodes.includes(node.name)) e.nodes.push(node.name)
    }
  }
  for (const inst of view.instances()) {
    const ip = canonicalIp(inst.instance.address)
    const servable = isServable(inst.health, policy)
    const entry: ServableInstance = {
      view: inst,
      ip,
      tagLabels: new Set(inst.instance.tags.map(tagToLabel)),
      local: inst.origin === view.localOrigin,
      servable,
    }
    const key = inst.instance.service.toLowerCase()
    let list = byService.get(key)
    if (list === undefined) {
      list = []
      byService.set(key, list)
    }
    list.push(entry)
    if (servable && ip !== undefined) {
      addresses.add(ip.ip)
      const e = ptrEntry(ip.ip)
      if (!e.services.includes(inst.instance.service)) e.services.push(inst.instance.service)
    }
  }
  const none = { nodes: [], services: [] }
  return {
    view,
    index: view.index,
    instancesOf: (service) => byService.get(service) ?? [],
    namesForIp: (ip) => ptr.get(ip) ?? none,
    hasAddress: (ip) => addresses.has(ip),
    node: (name) => {
      const n = view.nodeByName(name)
      return n === undefined || n.state === 'left' ? undefined : n
    },
  }
}
