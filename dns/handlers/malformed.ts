import { headerOnlyResponse } from '../assemble.ts'
import type { Handler } from './types.ts'

/**
 * First in the chain: messages that did not parse. Drop what must get no reply (short header,
 * QR=1); answer the rest header-only with FORMERR, NOTIMP or BADVERS (with an OPT record).
 */
export function malformedHandler(maxUdpSize: number): Handler {
  return (ctx) => {
    const p = ctx.parsed
    if (p.ok) return undefined
    if (p.action === 'drop') return { kind: 'drop', reason: p.reason }
    const bytes = headerOnlyResponse(p.id, p.flags, p.rcode, p.withOpt === true ? { maxUdpSize } : undefined)
    return { kind: 'reply', bytes, rcode: p.rcode, via: 'malformed' }
  }
}
