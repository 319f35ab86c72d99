import { hexLabelToIp, isReverseName, reverseLabelsToIp } from './addresses.ts'

/**
 * Name parsing (pure): question labels -> which name form was asked. Labels arrive lowercased
 * and are compared whole, so a label that contains a dot never matches two labels.
 *
 * Forms under each configured domain D:
 *   D                         apex (SOA, NS)
 *   ns.D                      the name server named by NS and SOA
 *   service.D, node.D, addr.D structural names (exist, hold no records)
 *   NAME.service.D            a service
 *   TAG.NAME.service.D        a service filtered by tag
 *   _NAME._TAG.service.D      RFC 2782 form; _tcp and _udp mean no tag filter
 *   NODE.node.D               a node
 *   HEX.addr.D                an instance address (SRV targets for addresses no node owns)
 * And outside the domains: reverse names (in-addr.arpa, ip6.arpa), everything else is `outside`.
 */

export type NameQuery =
  | { readonly kind: 'apex'; readonly domain: string }
  | { readonly kind: 'ns'; readonly domain: string }
  | { readonly kind: 'structural'; readonly domain: string }
  | { readonly kind: 'service'; readonly domain: string; readonly service: string; readonly tag?: string }
  | { readonly kind: 'node'; readonly domain: string; readonly node: string }
  | { readonly kind: 'addr'; readonly domain: string; readonly ip: string }
  | { readonly kind: 'unknown'; readonly domain: string }
  | { readonly kind: 'reverse'; readonly ip: string }
  | { readonly kind: 'outside' }

/** Domains as given in config ('grapevine', 'consul', 'sd.example') to label lists. */
export function domainLabels(domains: readonly string[]): readonly (readonly string[])[] {
  return domains.map((d) =>
    d
      .toLowerCase()
      .replace(/^\.+|\.+$/g, '')
      .split('.'),
  )
}

/** RFC 2782 protocol labels: they select no tag. */
const PROTOCOL_LABELS = new Set(['tcp', 'udp'])

export function parseName(labels: readonly string[], domains: readonly (readonly string[])[]): NameQuery {
  let best: readonly string[] | undefined
  for (const d of domains) {
    if (d.length > labels.length || (best !== undefined && d.length <= best.length)) continue
    let match = true
    for (let i = 1; i <= d.length; i++) {
      if (labels[labels.length - i] !== d[d.length - i]) {
        match = false
        break
      }
    }
    if (match) best = d
  }
  if (best === undefined) {
    if (isReverseName(labels)) {
      const ip = reverseLabelsToIp(labels)
      if (ip !== undefined) return { kind: 'reverse', ip }
    }
    return { kind: 'outside' }
  }
  const domain = best.join('.')
  const rel = labels.slice(0, labels.length - best.length)
  const unknown: NameQuery = { kind: 'unknown', domain }
  switch (rel.length) {
    case 0:
      return { kind: 'apex', domain }
    case 1:
      if (rel[0] === 'ns') return { kind: 'ns', domain }
      return rel[0] === 'service' || rel[0] === 'node' || rel[0] === 'addr'
        ? { kind: 'structural', domain }
        : unknown
    case 2: {
      const [a, b] = rel as [string, string]
      if (b === 'service') return a.startsWith('_') ? unknown : { kind: 'service', domain, service: a }
      if (b === 'node') return { kind: 'node', domain, node: a }
      if (b === 'addr') {
        const ip = hexLabelToIp(a)
        return ip === undefined ? unknown : { kind: 'addr', domain, ip }
      }
      return unknown
    }
    case 3: {
      const [a, b, c] = rel as [string, string, string]
      if (c !== 'service') return unknown
      if (a.startsWith('_') && b.startsWith('_')) {
        const service = a.slice(1)
        const tag = b.slice(1)
        if (service === '' || tag === '') return unknown
        return PROTOCOL_LABELS.has(tag)
          ? { kind: 'service', domain, service }
          : { kind: 'service', domain, service, tag }
      }
      if (a.startsWith('_') || b.startsWith('_')) return unknown
      return { kind: 'service', domain, service: b, tag: a }
    }
    default:
      return unknown
  }
}
