import { rcodeResponse } from '../assemble.ts'
import { RCODE } from '../wire-constants.ts'
import type { Handler } from './types.ts'

/** Last in the chain: a name nobody here answers for, and no recursor to ask: REFUSED. */
export function refuseHandler(maxUdpSize: number): Handler {
  return (ctx) => {
    const p = ctx.parsed
    if (!p.ok) return { kind: 'drop', reason: 'unparsed message reached the end of the chain' }
    return {
      kind: 'reply',
      bytes: rcodeResponse(ctx.raw, p.query, RCODE.REFUSED, maxUdpSize),
      rcode: RCODE.REFUSED,
      via: 'refuse',
    }
  }
}
