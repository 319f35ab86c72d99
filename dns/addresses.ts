import { isIPv4, isIPv6 } from 'node:net'

/**
 * Address helpers (pure): canonical IP text, the `<hex>.addr.<domain>` label for instance
 * addresses, and reverse names (in-addr.arpa / ip6.arpa) to addresses.
 */

export type IpFamily = 4 | 6

/** 16 bytes of an IPv6 address, or undefined when `text` is not one. */
export function ipv6ToBytes(text: string): Uint8Array | undefined {
  if (!isIPv6(text)) return undefined
  let s = text
  const zone = s.indexOf('%')
  if (zone >= 0) s = s.slice(0, zone)
  // An embedded IPv4 tail becomes two groups.
  const lastColon = s.lastIndexOf(':')
  const tail = s.slice(lastColon + 1)
  if (tail.includes('.')) {
    const p = tail.split('.').map(Number)
    s = `${s.slice(0, lastColon + 1)}${((p[0]! << 8) | p[1]!).toString(16)}:${((p[2]! << 8) | p[3]!).toString(16)}`
  }
  const [head = '', rest] = s.split('::') as [string, string | undefined]
  const headGroups = head === '' ? [] : head.split(':')
  const tailGroups = rest === undefined || rest === '' ? [] : rest.split(':')
  const fill = rest === undefined ? 0 : 8 - headGroups.length - tailGroups.length
  const groups = [...headGroups, ...Array<string>(fill).fill('0'), ...tailGroups]
  if (groups.length !== 8) return undefined
  const out = new Uint8Array(16)
  groups.forEach((g, i) => {
    const v = Number.parseInt(g, 16)
    out[i * 2] = v >> 8
    out[i * 2 + 1] = v & 0xff
  })
  return out
}

export function bytesToIpv6(b: Uint8Array): string {
  const groups: string[] = []
  for (let i = 0; i < 16; i += 2) groups.push(((b[i]! << 8) | b[i + 1]!).toString(16))
  // Compress the longest run of zero groups (RFC 5952).
  let best = -1
  let bestLen = 1
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === '0') j++
    if (j - i > bestLen) {
      best = i
      bestLen = j - i
    }
    i = j
  }
  if (best < 0) return groups.join(':')
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`
}

/** The IP family and canonical text of `address`, or undefined for a host name or garbage. */
export function canonicalIp(address: string): { family: IpFamily; ip: string } | undefined {
  if (isIPv4(address)) return { family: 4, ip: address.split('.').map(Number).join('.') }
  const b = ipv6ToBytes(address)
  return b === undefined ? undefined : { family: 6, ip: bytesToIpv6(b) }
}

/** `10.0.0.1` -> `0a000001`; IPv6 -> 32 hex digits. The label of `<hex>.addr.<domain>`. */
export function ipToHexLabel(ip: string): string | undefined {
  if (isIPv4(ip))
    return ip
      .split('.')
      .map((p) => Number(p).toString(16).padStart(2, '0'))
      .join('')
  const b = ipv6ToBytes(ip)
  return b === undefined ? undefined : Buffer.from(b).toString('hex')
}

export function hexLabelToIp(label: string): string | undefined {
  if (!/^[0-9a-f]+$/.test(label)) return undefined
  if (label.length === 8) {
    const parts: number[] = []
    for (let i = 0; i < 8; i += 2) parts.push(Number.parseInt(label.slice(i, i + 2), 16))
    return parts.join('.')
  }
  if (label.length === 32) return bytesToIpv6(Buffer.from(label, 'hex'))
  return undefined
}

/**
 * Labels of a reverse name (already lowercased, without the trailing root) to an address:
 * `4.3.2.1.in-addr.arpa` -> 1.2.3.4; 32 nibbles + `ip6.arpa` -> IPv6. Anything partial is undefined.
 */
export function reverseLabelsToIp(labels: readonly string[]): string | undefined {
  const n = labels.length
  if (n === 6 && labels[4] === 'in-addr' && labels[5] === 'arpa') {
    const parts: number[] = []
    for (let i = 3; i >= 0; i--) {
      const l = labels[i]!
      if (!/^(0|[1-9][0-9]{0,2})$/.test(l)) return undefined
      const v = Number(l)
      if (v > 255) return undefined
      parts.push(v)
    }
    return parts.join('.')
  }
  if (n === 34 && labels[32] === 'ip6' && labels[33] === 'arpa') {
    let hex = ''
    for (let i = 31; i >= 0; i--) {
      const l = labels[i]!
      if (!/^[0-9a-f]$/.test(l)) return undefined
      hex += l
    }
    return bytesToIpv6(Buffer.from(hex, 'hex'))
  }
  return undefined
}

/** True when the labels end in in-addr.arpa or ip6.arpa. */
export function isReverseName(labels: readonly string[]): boolean {
  const n = labels.length
  return n >= 2 && labels[n - 1] === 'arpa' && (labels[n - 2] === 'in-addr' || labels[n - 2] === 'ip6')
}

/** The reverse name of an address (for docs and tests): 1.2.3.4 -> 4.3.2.1.in-addr.arpa. */
export function ipToReverseName(ip: string): string | undefined {
  if (isIPv4(ip)) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`
  const b = ipv6ToBytes(ip)
  if (b === undefined) return undefined
  return `${Buffer.from(b).toString('hex').split('').reverse().join('.')}.ip6.arpa`
}

export function isLoopbackHost(host: string): boolean {
  const c = canonicalIp(host)
  if (c === undefined) return host === 'localhost'
  return c.family === 4 ? c.ip.startsWith('127.') : c.ip === '::1'
}
