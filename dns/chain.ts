import type { AnswerCache } from './answer-cache.ts'
import type { Forwarder } from './forward.ts'
import { forwardHandler } from './handlers/forward.ts'
import { malformedHandler } from './handlers/malformed.ts'
import { refuseHandler } from './handlers/refuse.ts'
import type { Handler, Outcome, QueryContext } from './handlers/types.ts'
import { unsupportedHandler } from './handlers/unsupported.ts'
import { zoneHandler } from './handlers/zone.ts'

/**
 * The handler chain, in the one place its order is written (like CoreDNS's plugin.cfg). Each
 * handler answers or passes on; the first answer wins.
 *
 *   malformed    unparsable messages: drop, or FORMERR / NOTIMP / BADVERS
 *   unsupported  other classes, zone transfers: REFUSED; OPT as a question: FORMERR
 *   zone         names in our domains and known reverse names: the catalog's answer
 *   forward      everything else, when recursors are configured
 *   refuse       everything else: REFUSED
 */
export const CHAIN_ORDER = ['malformed', 'unsupported', 'zone', 'forward', 'refuse'] as const

export interface ChainDeps {
  readonly cache: AnswerCache
  readonly forwarder: Forwarder | undefined
  readonly random: () => number
  readonly preferLocal: boolean
  readonly maxUdpSize: number
}

export function buildChain(d: ChainDeps): readonly Handler[] {
  const handlers: Record<(typeof CHAIN_ORDER)[number], Handler> = {
    malformed: malformedHandler(d.maxUdpSize),
    unsupported: unsupportedHandler(d.maxUdpSize),
    zone: zoneHandler(d),
    forward: forwardHandler(d.forwarder, d.maxUdpSize),
    refuse: refuseHandler(d.maxUdpSize),
  }
  return CHAIN_ORDER.map((name) => handlers[name])
}

export function runChain(chain: readonly Handler[], ctx: QueryContext): Outcome | Promise<Outcome> {
  for (const h of chain) {
    const out = h(ctx)
    if (out !== undefined) return out
  }
  return { kind: 'drop', reason: 'no handler answered' }
}
