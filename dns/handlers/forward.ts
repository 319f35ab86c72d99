import { rcodeResponse } from '../assemble.ts'
import type { Forwarder } from '../forward.ts'
import { RCODE } from '../wire-constants.ts'
import type { Handler, Outcome } from './types.ts'

/**
 * Names that are not ours go to the upstream recursors, when any are configured: the first
 * good reply wins; SERVFAIL when every recursor timed out or failed.
 */
export function forwardHandler(forwarder: Forwarder | undefined, maxUdpSize: number): Handler {
  return (ctx) => {
    const p = ctx.parsed
    if (!p.ok || forwarder === undefined) return undefined
    const q = p.query
    return forwarder.forward(ctx.raw, q, ctx.transport).then(
      (bytes): Outcome =>
        bytes !== undefined
          ? { kind: 'reply', bytes, rcode: bytes[3]! & 0x0f, via: 'forward' }
          : {
              kind: 'reply',
              bytes: rcodeResponse(ctx.raw, q, RCODE.SERVFAIL, maxUdpSize),
              rcode: RCODE.SERVFAIL,
              via: 'forward',
            },
    )
  }
}
