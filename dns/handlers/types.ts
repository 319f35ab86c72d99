import type { Transport } from '../assemble.ts'
import type { QueryParse } from '../query.ts'

/** What every handler in the chain sees. */
export interface QueryContext {
  /** The message as received (TCP: without its length prefix). */
  readonly raw: Uint8Array
  readonly parsed: QueryParse
  readonly transport: Transport
  readonly source: { readonly address: string; readonly port: number }
}

export type Outcome =
  | { readonly kind: 'reply'; readonly bytes: Uint8Array; readonly rcode: number; readonly via: string }
  | { readonly kind: 'drop'; readonly reason: string }

/** A handler answers (an Outcome, possibly later) or passes on (undefined). */
export type Handler = (ctx: QueryContext) => Outcome | Promise<Outcome> | undefined
