import type { InstanceView, NodeView } from '../crdt/view.ts'

/**
 * TXT data (pure): instance and node metadata as RFC 1464 `key=value` strings. A string longer
 * than 255 octets (the limit of one TXT character-string) continues in the next string.
 */

function chunk(s: string): Buffer[] {
  const b = Buffer.from(s, 'utf8')
  if (b.length <= 255) return [b]
  const out: Buffer[] = []
  for (let i = 0; i < b.length; i += 255) out.push(b.subarray(i, i + 255))
  return out
}

function pairs(entries: readonly (readonly [string, string])[]): Buffer[] {
  return entries.flatMap(([k, v]) => chunk(`${k}=${v}`))
}

/** Fixed keys first, then the instance's own meta (sorted); meta cannot shadow a fixed key. */
export function instanceTxt(v: InstanceView): Buffer[] {
  const i = v.instance
  const fixed: [string, string][] = [
    ['id', i.id],
    ['service', i.service],
    ['node', i.node],
    ['address', i.address],
    ['port', String(i.port)],
    ['protocol', i.protocol],
    ['health', v.health],
    ['weight', String(i.weight)],
  ]
  if (i.version !== '') fixed.push(['version', i.version])
  if (i.tags.length > 0) fixed.push(['tags', i.tags.join(',')])
  const taken = new Set(fixed.map(([k]) => k))
  const meta = Object.entries(i.meta)
    .filter(([k]) => !taken.has(k))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return pairs([...fixed, ...meta])
}

export function nodeTxt(n: NodeView): Buffer[] {
  const fixed: [string, string][] = [
    ['node', n.name],
    ['state', n.state],
    ['maintenance', String(n.maintenance)],
  ]
  if (n.agentVersion !== '') fixed.push(['agent_version', n.agentVersion])
  const taken = new Set(fixed.map(([k]) => k))
  const meta = Object.entries(n.meta)
    .filter(([k]) => !taken.has(k))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return pairs([...fixed, ...meta])
}
