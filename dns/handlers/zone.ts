import type { AnswerCache } from '../answer-cache.ts'
import { assembleResponse, responseLimit } from '../assemble.ts'
import { weightedOrder } from '../order.ts'
import type { Handler } from './types.ts'

/**
 * The authoritative answer from the catalog: names under the configured domains, and reverse
 * names of addresses the catalog knows. Anything else passes on.
 */
export function zoneHandler(deps: {
  cache: AnswerCache
  random: () => number
  preferLocal: boolean
  maxUdpSize: number
}): Handler {
  const { cache, random, preferLocal, maxUdpSize } = deps
  return (ctx) => {
    const p = ctx.parsed
    if (!p.ok) return undefined
    const q = p.query
    const compiled = cache.lookup(ctx.raw, q)
    if (compiled === undefined) return undefined
    const order =
      compiled.orderable === undefined ? undefined : weightedOrder(compiled.orderable, random, preferLocal)
    const bytes = assembleResponse(
      ctx.raw,
      q,
      compiled,
      order,
      responseLimit(q, ctx.transport, maxUdpSize),
      maxUdpSize,
    )
    return { kind: 'reply', bytes, rcode: compiled.rcode, via: 'zone' }
  }
}
