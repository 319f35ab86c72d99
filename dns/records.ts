import type { Answer, SoaAnswer } from 'dns-packet'
import type { NodeView } from '../crdt/view.ts'
import { canonicalIp, ipToHexLabel } from './addresses.ts'
import type { NameQuery } from './names.ts'
import { instanceTxt, nodeTxt } from './txt.ts'
import { TYPE } from './wire-constants.ts'
import type { ServableInstance, ZoneIndex } from './zone-index.ts'

/**
 * Record building (pure): a parsed name, a query type and a zone index -> the records to answer.
 * No wire bytes here (compile.ts encodes); no ordering (order.ts shuffles per query).
 */

export interface RecordSettings {
  /** TTL of positive answers, seconds. */
  readonly ttl: number
  /** SOA minimum and SOA TTL: how long resolvers may cache NXDOMAIN/NODATA, seconds. */
  readonly negativeTtl: number
  /** Addresses `ns.DOMAIN` resolves to (the NS target). */
  readonly nsAddresses: readonly string[]
  /** The domain PTR answers name (the first configured). */
  readonly primaryDomain: string
}

export interface AnswerEntry {
  readonly record: Answer
  /** Relative weight for the per-query weighted order. */
  readonly weight: number
  /** Registered on this node (first when locality is preferred). */
  readonly local: boolean
  /** Records this one needs in the additional section (SRV target addresses). */
  readonly additional: readonly Answer[]
}

export interface ZoneAnswer {
  readonly rcode: 'NOERROR' | 'NXDOMAIN'
  readonly answers: readonly AnswerEntry[]
  /** Answers are shuffled per query (weighted, local first when asked); otherwise fixed order. */
  readonly ordered: boolean
  readonly authority: readonly Answer[]
}

/** Types tried, in order, for ANY (RFC 8482: answer one RRset, not everything). */
const ANY_ORDER = [TYPE.A, TYPE.AAAA, TYPE.SRV, TYPE.TXT, TYPE.SOA, TYPE.PTR]

export function soaRecord(domain: string, serial: number, s: RecordSettings): SoaAnswer {
  return {
    type: 'SOA',
    name: domain,
    ttl: s.negativeTtl,
    class: 'IN',
    data: {
      mname: `ns.${domain}`,
      rname: `hostmaster.${domain}`,
      serial: serial >>> 0,
      refresh: 3600,
      retry: 600,
      expire: 86400,
      minimum: s.negativeTtl,
    },
  }
}

function addressRecords(name: string, addresses: readonly string[], family: 4 | 6, ttl: number): Answer[] {
  const out: Answer[] = []
  const seen = new Set<string>()
  for (const a of addresses) {
    const c = canonicalIp(a)
    if (c === undefined || c.family !== family || seen.has(c.ip)) continue
    seen.add(c.ip)
    out.push({ type: family === 4 ? 'A' : 'AAAA', name, ttl, class: 'IN', data: c.ip })
  }
  return out
}

const fixed = (records: readonly Answer[]): AnswerEntry[] =>
  records.map((record) => ({ record, weight: 1, local: false, additional: [] }))

/** A valid host name for an SRV target (instances registered with a DNS name, not an IP). */
function isHostName(s: string): boolean {
  const n = s.replace(/\.$/, '')
  return (
    n.length > 0 &&
    n.length <= 253 &&
    n.split('.').every((l) => /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(l))
  )
}

function srvEntry(qname: string, si: ServableInstance, zone: ZoneIndex, domain: string, s: RecordSettings) {
  const inst = si.view.instance
  let target: string
  let additional: Answer[] = []
  if (si.ip !== undefined) {
    const node = zone.node(inst.node)
    const onNode = node?.addresses.some((a) => canonicalIp(a)?.ip === si.ip!.ip) ?? false
    if (onNode && node !== undefined) {
      target = `${node.name.toLowerCase()}.node.${domain}`
      additional = [
        ...addressRecords(target, node.addresses, 4, s.ttl),
        ...addressRecords(target, node.addresses, 6, s.ttl),
      ]
    } else {
      target = `${ipToHexLabel(si.ip.ip)}.addr.${domain}`
      additional = addressRecords(target, [si.ip.ip], si.ip.family, s.ttl)
    }
  } else if (isHostName(inst.address)) {
    target = inst.address.replace(/\.$/, '')
  } else {
    return undefined
  }
  const p = Number(inst.meta['priority'])
  const priority = Number.isInteger(p) && p >= 0 && p <= 65535 ? p : 1
  const record: Answer = {
    type: 'SRV',
    name: qname,
    ttl: s.ttl,
    class: 'IN',
    data: { priority, weight: inst.weight, port: inst.port, target },
  }
  return { record, weight: inst.weight, local: si.local, additional }
}

function serviceAnswers(
  qname: string,
  qtype: number,
  list: readonly ServableInstance[],
  zone: ZoneIndex,
  domain: string,
  s: RecordSettings,
): AnswerEntry[] {
  if (qtype === TYPE.A || qtype === TYPE.AAAA) {
    const family = qtype === TYPE.A ? 4 : 6
    // One record per address (RFC 2181 §5: no duplicates in an RRset); weights of instances sharing it add up.
    const byIp = new Map<string, { weight: number; local: boolean }>()
    for (const si of list) {
      if (si.ip === undefined || si.ip.family !== family) continue
      const e = byIp.get(si.ip.ip)
      if (e === undefined) byIp.set(si.ip.ip, { weight: si.view.instance.weight, local: si.local })
      else byIp.set(si.ip.ip, { weight: e.weight + si.view.instance.weight, local: e.local || si.local })
    }
    return [...byIp].map(([ip, e]) => ({
      record: { type: family === 4 ? 'A' : 'AAAA', name: qname, ttl: s.ttl, class: 'IN', data: ip },
      weight: e.weight,
      local: e.local,
      additional: [],
    }))
  }
  if (qtype === TYPE.SRV) {
    const out: AnswerEntry[] = []
    for (const si of list) {
      const e = srvEntry(qname, si, zone, domain, s)
      if (e !== undefined) out.push(e)
    }
    return out
  }
  if (qtype === TYPE.TXT) {
    return list.map((si) => ({
      record: { type: 'TXT', name: qname, ttl: s.ttl, class: 'IN', data: instanceTxt(si.view) },
      weight: si.view.instance.weight,
      local: si.local,
      additional: [],
    }))
  }
  return []
}

function nodeAnswers(qname: string, qtype: number, node: NodeView, s: RecordSettings): AnswerEntry[] {
  if (qtype === TYPE.A) return fixed(addressRecords(qname, node.addresses, 4, s.ttl))
  if (qtype === TYPE.AAAA) return fixed(addressRecords(qname, node.addresses, 6, s.ttl))
  if (qtype === TYPE.TXT)
    return fixed([{ type: 'TXT', name: qname, ttl: s.ttl, class: 'IN', data: nodeTxt(node) }])
  return []
}

type Found = { exists: false } | { exists: true; answers: AnswerEntry[]; ordered: boolean }

function lookup(
  q: Exclude<NameQuery, { kind: 'outside' | 'reverse' }>,
  qname: string,
  qtype: number,
  zone: ZoneIndex,
  s: RecordSettings,
): Found {
  switch (q.kind) {
    case 'apex': {
      if (qtype === TYPE.SOA)
        return {
          exists: true,
          ordered: false,
          answers: fixed([{ ...soaRecord(q.domain, zone.index, s), name: qname }]),
        }
      if (qtype === TYPE.NS) {
        const target = `ns.${q.domain}`
        const additional = [
          ...addressRecords(target, s.nsAddresses, 4, s.ttl),
          ...addressRecords(target, s.nsAddresses, 6, s.ttl),
        ]
        return {
          exists: true,
          ordered: false,
          answers: [
            {
              record: { type: 'NS', name: qname, ttl: s.ttl, class: 'IN', data: target },
              weight: 1,
              local: false,
              additional,
            },
          ],
        }
      }
      return { exists: true, ordered: false, answers: [] }
    }
    case 'ns': {
      const family = qtype === TYPE.A ? 4 : qtype === TYPE.AAAA ? 6 : 0
      return {
        exists: true,
        ordered: false,
        answers: family === 0 ? [] : fixed(addressRecords(qname, s.nsAddresses, family, s.ttl)),
      }
    }
    case 'structural':
      return { exists: true, ordered: false, answers: [] }
    case 'unknown':
      return { exists: false }
    case 'service': {
      const all = zone.instancesOf(q.service)
      const tag = q.tag
      const matching = tag === undefined ? all : all.filter((si) => si.tagLabels.has(tag))
      if (matching.length === 0) return { exists: false }
      const servable = matching.filter((si) => si.servable)
      return {
        exists: true,
        ordered: true,
        answers: serviceAnswers(qname, qtype, servable, zone, q.domain, s),
      }
    }
    case 'node': {
      const node = zone.node(q.node)
      if (node === undefined) return { exists: false }
      return { exists: true, ordered: false, answers: nodeAnswers(qname, qtype, node, s) }
    }
    case 'addr': {
      if (!zone.hasAddress(q.ip)) return { exists: false }
      const family = q.ip.includes(':') ? 6 : 4
      const want = qtype === TYPE.A ? 4 : qtype === TYPE.AAAA ? 6 : 0
      return {
        exists: true,
        ordered: false,
        answers: want === family ? fixed(addressRecords(qname, [q.ip], family, s.ttl)) : [],
      }
    }
  }
}

/**
 * The answer for `qname` (lowercased question name) of type `qtype`, or undefined when the name is
 * not ours to answer (outside every domain, or a reverse name of an address nobody here has).
 */
export function answerFor(
  q: NameQuery,
  qname: string,
  qtype: number,
  zone: ZoneIndex,
  s: RecordSettings,
): ZoneAnswer | undefined {
  if (q.kind === 'outside') return undefined
  if (q.kind === 'reverse') {
    const names = zone.namesForIp(q.ip)
    if (names.nodes.length === 0 && names.services.length === 0) return undefined
    const targets = [
      ...names.nodes.map((n) => `${n.toLowerCase()}.node.${s.primaryDomain}`),
      ...names.services.map((n) => `${n.toLowerCase()}.service.${s.primaryDomain}`),
    ]
    const answers =
      qtype === TYPE.PTR || qtype === TYPE.ANY
        ? fixed(
            targets.map((data) => ({ type: 'PTR', name: qname, ttl: s.ttl, class: 'IN', data }) as Answer),
          )
        : []
    return { rcode: 'NOERROR', answers, ordered: false, authority: [] }
  }
  const soa = soaRecord(q.domain, zone.index, s)
  if (qtype === TYPE.ANY) {
    for (const t of ANY_ORDER) {
      const found = lookup(q, qname, t, zone, s)
      if (!found.exists) return { rcode: 'NXDOMAIN', answers: [], ordered: false, authority: [soa] }
      if (found.answers.length > 0)
        return { rcode: 'NOERROR', answers: found.answers, ordered: found.ordered, authority: [] }
    }
    return { rcode: 'NOERROR', answers: [], ordered: false, authority: [soa] }
  }
  const found = lookup(q, qname, qtype, zone, s)
  if (!found.exists) return { rcode: 'NXDOMAIN', answers: [], ordered: false, authority: [soa] }
  if (found.answers.length === 0) return { rcode: 'NOERROR', answers: [], ordered: false, authority: [soa] }
  return { rcode: 'NOERROR', answers: found.answers, ordered: found.ordered, authority: [] }
}
