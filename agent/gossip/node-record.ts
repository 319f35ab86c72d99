import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { canonicalJson } from '../../crdt/canonical.ts'
import type { NodeValue } from '../../crdt/schema.ts'

/**
 * This agent's own node record: who it is and where to reach it. It changes only on real
 * changes (addresses, metadata, maintenance, leaving), never per heartbeat.
 */

export interface NodeDescription {
  /** A DNS label; the node's name in answers. */
  readonly name: string
  /** IP addresses to advertise; default: those of the libp2p multiaddrs, loopback last. */
  readonly addresses?: readonly string[]
  readonly meta?: Readonly<Record<string, string>>
  readonly maintenance?: boolean
  readonly agentVersion?: string
}

const MAX_LIST = 16

/** The IP of a multiaddr string like `/ip4/10.0.0.5/tcp/7950/p2p/12D3…`, if it has one. */
export function ipOfMultiaddr(addr: string): string | undefined {
  const m = /^\/(ip4|ip6)\/([^/]+)\//.exec(addr)
  return m?.[2]
}

function isLoopback(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1'
}

export function buildNodeValue(
  desc: NodeDescription,
  multiaddrs: readonly string[],
  status: NodeValue['status'],
): NodeValue {
  const ips = desc.addresses ?? [
    ...new Set(multiaddrs.map(ipOfMultiaddr).filter((ip): ip is string => ip !== undefined)),
  ]
  const sorted = [...ips].sort((a, b) => Number(isLoopback(a)) - Number(isLoopback(b)))
  return {
    kind: 'node',
    name: desc.name,
    addresses: sorted.slice(0, MAX_LIST),
    multiaddrs: multiaddrs.filter((a) => a.length <= 512).slice(0, MAX_LIST),
    meta: { ...(desc.meta ?? {}) },
    maintenance: desc.maintenance ?? false,
    status,
    agentVersion: desc.agentVersion ?? '',
  }
}

/**
 * Where a member says it can be dialled: its record's multiaddrs that name its own peer id
 * (a malformed one skipped), or none when it has no record or left.
 */
export function dialableAddrs(value: NodeValue | null | undefined, origin: string): Multiaddr[] {
  if (value === null || value === undefined || value.status !== 'alive') return []
  const out: Multiaddr[] = []
  for (const a of value.multiaddrs) {
    if (!a.includes(`/p2p/${origin}`)) continue
    try {
      out.push(multiaddr(a))
    } catch {
      // not a multiaddr: the record's schema only bounds its length
    }
  }
  return out
}

export function sameNodeValue(a: NodeValue | null | undefined, b: NodeValue): boolean {
  return a !== null && a !== undefined && canonicalJson(a) === canonicalJson(b)
}
