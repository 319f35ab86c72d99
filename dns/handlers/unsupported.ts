import { rcodeResponse } from '../assemble.ts'
import { CLASS_ANY, CLASS_IN, RCODE, TYPE } from '../wire-constants.ts'
import type { Handler } from './types.ts'

/**
 * Questions no handler answers: classes other than IN/ANY and zone transfers get REFUSED; a
 * question for the OPT pseudo-type is malformed (FORMERR).
 */
export function unsupportedHandler(maxUdpSize: number): Handler {
  return (ctx) => {
    const p = ctx.parsed
    if (!p.ok) return undefined
    const q = p.query
    let rcode: number | undefined
    if (q.qtype === TYPE.OPT) rcode = RCODE.FORMERR
    else if (q.qclass !== CLASS_IN && q.qclass !== CLASS_ANY) rcode = RCODE.REFUSED
    else if (q.qtype === TYPE.AXFR || q.qtype === TYPE.IXFR) rcode = RCODE.REFUSED
    if (rcode === undefined) return undefined
    return { kind: 'reply', bytes: rcodeResponse(ctx.raw, q, rcode, maxUdpSize), rcode, via: 'unsupported' }
  }
}
