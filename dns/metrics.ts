import { Counter, type Registry } from 'prom-client'
import { RCODE_NAMES } from './wire-constants.ts'

/**
 * DNS metrics on the registry passed in (none when absent). Children are bound once per label
 * set so the hot path does no label hashing.
 *   grapevine_dns_responses_total{transport,rcode,via}  replies sent
 *   grapevine_dns_dropped_total{reason}                 messages that got no reply
 */
export interface DnsMetrics {
  response(transport: string, rcode: number, via: string): void
  dropped(reason: string): void
}

const NOOP: DnsMetrics = { response: () => {}, dropped: () => {} }

export function createDnsMetrics(registry: Registry | undefined): DnsMetrics {
  if (registry === undefined) return NOOP
  const responses = new Counter({
    name: 'grapevine_dns_responses_total',
    help: 'DNS replies sent, by transport, rcode and the handler that answered',
    labelNames: ['transport', 'rcode', 'via'],
    registers: [registry],
  })
  const dropped = new Counter({
    name: 'grapevine_dns_dropped_total',
    help: 'DNS messages that got no reply, by reason',
    labelNames: ['reason'],
    registers: [registry],
  })
  const bound = new Map<string, { inc(): void }>()
  return {
    response(transport, rcode, via) {
      const k = `${transport}|${rcode}|${via}`
      let c = bound.get(k)
      if (c === undefined) {
        c = responses.labels(transport, RCODE_NAMES[rcode] ?? String(rcode), via)
        bound.set(k, c)
      }
      c.inc()
    },
    dropped(reason) {
      let c = bound.get(`drop|${reason}`)
      if (c === undefined) {
        c = dropped.labels(reason)
        bound.set(`drop|${reason}`, c)
      }
      c.inc()
    },
  }
}
