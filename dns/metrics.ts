import { Counter, type Registry } from 'prom-client'
import { RCODE_NAMES, TYPE } from './wire-constants.ts'

const TYPE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(TYPE).map(([name, n]) => [n, name]),
)

/** The question type as a bounded label: known types by name, the rest `other`, unparsable `none`. */
export function qtypeLabel(qtype: number | undefined): string {
  if (qtype === undefined) return 'none'
  return TYPE_NAMES[qtype] ?? 'other'
}

/**
 * DNS metrics on the registry passed in (none when absent). Children are bound once per label
 * set so the hot path does no label hashing.
 *   grapevine_dns_responses_total{transport,qtype,rcode,via}  replies sent
 *   grapevine_dns_dropped_total{reason}                 messages that got no reply
 */
export interface DnsMetrics {
  response(transport: string, rcode: number, via: string, qtype?: number): void
  dropped(reason: string): void
}

const NOOP: DnsMetrics = { response: () => {}, dropped: () => {} }

export function createDnsMetrics(registry: Registry | undefined): DnsMetrics {
  if (registry === undefined) return NOOP
  const responses = new Counter({
    name: 'grapevine_dns_responses_total',
    help: 'DNS replies sent, by transport, question type, rcode and the handler that answered',
    labelNames: ['transport', 'qtype', 'rcode', 'via'],
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
    response(transport, rcode, via, qtype) {
      const k = `${transport}|${rcode}|${via}|${qtype}`
      let c = bound.get(k)
      if (c === undefined) {
        c = responses.labels(transport, qtypeLabel(qtype), RCODE_NAMES[rcode] ?? String(rcode), via)
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
