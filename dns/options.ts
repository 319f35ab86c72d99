import { isIP } from 'node:net'
import { canonicalIp, isLoopbackHost } from './addresses.ts'

/**
 * The DNS server's slice of the configuration: every option with its default and the reason
 * for it (docs/dns.md lists them). `resolveDnsOptions` validates and reports every problem at once.
 */

export interface ListenAddress {
  /** Default 127.0.0.1: only this host's programs can ask (use 0.0.0.0 or a LAN address to serve others). */
  readonly host?: string
  /** Default 8600 (Consul's port, so existing clients work); 53 needs CAP_NET_BIND_SERVICE; 0 picks a free port. */
  readonly port?: number
}

export interface RateLimitInit {
  /** 'auto' (default): on when bound to a non-loopback address; true/false forces it. */
  readonly enabled?: 'auto' | boolean
  /** Responses per second per source address. Default 200. */
  readonly responsesPerSecond?: number
  /** Bucket size: a short burst above the rate. Default 400. */
  readonly burst?: number
  /** Every Nth limited response is sent as an empty TC=1 reply so a real client retries over TCP; 0 = never. Default 2. */
  readonly slip?: number
  /** Sources tracked at once; the oldest are forgotten beyond this. Default 10000. */
  readonly maxSources?: number
}

export interface DnsServerInit {
  readonly udp?: ListenAddress
  readonly tcp?: ListenAddress
  /** Domains answered; the first is primary (used in PTR answers). Default ['grapevine']; add 'consul' for Consul-style names. */
  readonly domains?: readonly string[]
  /** TTL of positive answers, seconds. Default 5: short, so a failed instance leaves caches quickly. */
  readonly ttl?: number
  /** SOA minimum = TTL of NXDOMAIN/NODATA, seconds. Default 2: a recovered service must not look dead for long. */
  readonly negativeTtl?: number
  /** Largest UDP response, bytes, whatever EDNS0 size the client offers. Default 1232 (DNS flag day 2020: no fragmentation). */
  readonly maxUdpSize?: number
  /** Return instances in warning state. Default true (degraded beats absent); critical and maintenance never are. */
  readonly allowWarning?: boolean
  /** Put instances registered on this node first. Default false. */
  readonly preferLocal?: boolean
  /** Upstream resolvers (host or host:port, [v6]:port) for names outside the domains. Default none: REFUSED. */
  readonly recursors?: readonly string[]
  /** How long to wait for one recursor before trying the next, ms. Default 2000. */
  readonly recursorTimeoutMs?: number
  /** Forwarded queries in flight at once; more get SERVFAIL. Default 1024. */
  readonly maxForwardsInFlight?: number
  readonly rateLimit?: RateLimitInit
  /** Close an idle TCP connection after this long, ms. Default 10000 (RFC 7766 suggests seconds). */
  readonly tcpIdleTimeoutMs?: number
  /** TCP connections at once; more are closed at accept. Default 256. */
  readonly maxTcpConnections?: number
  /** Cached (name, type) answers per catalog index; the cache is cleared past this. Default 10000. */
  readonly maxCacheEntries?: number
  /** UDP socket receive buffer, bytes: absorbs bursts; the kernel caps it at net.core.rmem_max. Default 4 MiB. */
  readonly udpReceiveBufferBytes?: number
  /** Addresses `ns.<domain>` (the NS and SOA name server) resolves to. Default: the UDP host when it is a specific IP, else 127.0.0.1. */
  readonly nsAddresses?: readonly string[]
}

export interface Recursor {
  readonly host: string
  readonly port: number
}

export interface DnsOptions {
  readonly udp: { readonly host: string; readonly port: number }
  readonly tcp: { readonly host: string; readonly port: number }
  readonly domains: readonly string[]
  readonly ttl: number
  readonly negativeTtl: number
  readonly maxUdpSize: number
  readonly allowWarning: boolean
  readonly preferLocal: boolean
  readonly recursors: readonly Recursor[]
  readonly recursorTimeoutMs: number
  readonly maxForwardsInFlight: number
  readonly rateLimit: {
    readonly enabled: boolean
    readonly responsesPerSecond: number
    readonly burst: number
    readonly slip: number
    readonly maxSources: number
  }
  readonly tcpIdleTimeoutMs: number
  readonly maxTcpConnections: number
  readonly maxCacheEntries: number
  readonly nsAddresses: readonly string[]
  readonly udpReceiveBufferBytes: number
}

export interface OptionProblem {
  readonly key: string
  readonly message: string
}

export function parseRecursor(s: string): Recursor | undefined {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(s)
  if (v6 !== null)
    return isIP(v6[1]!) === 6 ? { host: v6[1]!, port: v6[2] === undefined ? 53 : Number(v6[2]) } : undefined
  if (isIP(s) === 6) return { host: s, port: 53 }
  const m = /^([^:]+)(?::(\d+))?$/.exec(s)
  if (m === null || isIP(m[1]!) !== 4) return undefined
  const port = m[2] === undefined ? 53 : Number(m[2])
  return port >= 1 && port <= 65535 ? { host: m[1]!, port } : undefined
}

const DOMAIN =
  /^(?=.{1,200}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/

export function resolveDnsOptions(
  init: DnsServerInit,
): { ok: true; options: DnsOptions } | { ok: false; problems: OptionProblem[] } {
  const problems: OptionProblem[] = []
  const int = (key: string, v: number | undefined, def: number, min: number, max: number): number => {
    const x = v ?? def
    if (!Number.isInteger(x) || x < min || x > max)
      problems.push({ key, message: `must be an integer from ${min} to ${max}, got ${String(v)}` })
    return x
  }
  const listen = (key: string, a: ListenAddress | undefined) => {
    const host = a?.host ?? '127.0.0.1'
    if (isIP(host) === 0)
      problems.push({ key: `${key}.host`, message: `must be an IP address, got '${host}'` })
    return { host, port: int(`${key}.port`, a?.port, 8600, 0, 65535) }
  }
  const udp = listen('udp', init.udp)
  const tcp = listen('tcp', init.tcp)
  const domains = (init.domains ?? ['grapevine']).map((d) => d.toLowerCase().replace(/^\.+|\.+$/g, ''))
  if (domains.length === 0) problems.push({ key: 'domains', message: 'needs at least one domain' })
  for (const d of domains)
    if (!DOMAIN.test(d)) problems.push({ key: 'domains', message: `'${d}' is not a domain name` })
  const recursors: Recursor[] = []
  for (const r of init.recursors ?? []) {
    const p = parseRecursor(r)
    if (p === undefined)
      problems.push({ key: 'recursors', message: `'${r}' is not host[:port] with an IP host` })
    else recursors.push(p)
  }
  const rl = init.rateLimit ?? {}
  const enabledSetting = rl.enabled ?? 'auto'
  if (enabledSetting !== 'auto' && typeof enabledSetting !== 'boolean')
    problems.push({ key: 'rateLimit.enabled', message: "must be 'auto', true or false" })
  const nonLoopback = !isLoopbackHost(udp.host)
  const nsAddresses = init.nsAddresses ?? [
    isIP(udp.host) === 0 || udp.host === '0.0.0.0' || udp.host === '::' ? '127.0.0.1' : udp.host,
  ]
  for (const a of nsAddresses)
    if (canonicalIp(a) === undefined)
      problems.push({ key: 'nsAddresses', message: `'${a}' is not an IP address` })
  const options: DnsOptions = {
    udp,
    tcp,
    domains,
    ttl: int('ttl', init.ttl, 5, 0, 86400),
    negativeTtl: int('negativeTtl', init.negativeTtl, 2, 0, 86400),
    maxUdpSize: int('maxUdpSize', init.maxUdpSize, 1232, 512, 4096),
    allowWarning: init.allowWarning ?? true,
    preferLocal: init.preferLocal ?? false,
    recursors,
    recursorTimeoutMs: int('recursorTimeoutMs', init.recursorTimeoutMs, 2000, 10, 60000),
    maxForwardsInFlight: int('maxForwardsInFlight', init.maxForwardsInFlight, 1024, 1, 100000),
    rateLimit: {
      enabled: enabledSetting === 'auto' ? nonLoopback : enabledSetting === true,
      responsesPerSecond: int('rateLimit.responsesPerSecond', rl.responsesPerSecond, 200, 1, 1_000_000),
      burst: int('rateLimit.burst', rl.burst, 400, 1, 10_000_000),
      slip: int('rateLimit.slip', rl.slip, 2, 0, 100),
      maxSources: int('rateLimit.maxSources', rl.maxSources, 10000, 1, 10_000_000),
    },
    tcpIdleTimeoutMs: int('tcpIdleTimeoutMs', init.tcpIdleTimeoutMs, 10000, 100, 3_600_000),
    maxTcpConnections: int('maxTcpConnections', init.maxTcpConnections, 256, 1, 100000),
    maxCacheEntries: int('maxCacheEntries', init.maxCacheEntries, 10000, 1, 10_000_000),
    nsAddresses,
    udpReceiveBufferBytes: int(
      'udpReceiveBufferBytes',
      init.udpReceiveBufferBytes,
      4 * 1024 * 1024,
      4096,
      256 * 1024 * 1024,
    ),
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, options }
}
