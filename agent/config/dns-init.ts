import type { DnsServerInit } from '../../dns/options.ts'
import type { Config } from './schema.ts'

function hostPort(addr: string): { host: string; port: number } {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(addr)
  if (m === null) return { host: addr, port: 8600 }
  return { host: m[1] === '' ? '127.0.0.1' : (m[1] as string), port: Number(m[2]) }
}

/** The DNS server's init from the agent config (durations in the config are ms; DNS TTLs are seconds). */
export function dnsInitFromConfig(config: Config): DnsServerInit {
  const listen = hostPort(config.dns)
  return {
    udp: listen,
    tcp: listen,
    domains: [config.domain, ...config.altDomains],
    ttl: Math.round(config.dnsTtl / 1000),
    negativeTtl: Math.round(config.dnsNegativeTtl / 1000),
    maxUdpSize: config.dnsMaxUdpSize,
    allowWarning: config.dnsAllowWarning,
    preferLocal: config.dnsPreferLocal,
    recursors: config.dnsRecursors,
  }
}
