import type { FastifyReply } from 'fastify'
import Type from 'typebox'
import { GrapevineError } from '../errors.ts'
import type { ApiPorts } from './ports.ts'

/**
 * Blocking queries on read routes (`?index=N&wait=30s`, as Consul's): when the caller's index is
 * still current, hold the answer until the view changes or `wait` (plus a little jitter, so many
 * watchers do not come back in lockstep) has passed. Server shutdown releases every waiter.
 */
export const DEFAULT_WAIT_MS = 5 * 60_000
export const MAX_WAIT_MS = 10 * 60_000

/** `30s`, `1m30s`, `250ms`, or bare milliseconds. */
export const WAIT_PATTERN = '^([0-9]+(ms|s|m|h))+$|^[0-9]+$'

/** Query fields every read route accepts. */
export const BlockingQuery = {
  index: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
  wait: Type.Optional(Type.String({ pattern: WAIT_PATTERN, maxLength: 32 })),
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/** `30s`, `1m30s`, `250ms`; a bare number is milliseconds. Undefined when not a duration. */
export function parseWait(text: string): number | undefined {
  if (/^[0-9]+$/.test(text)) return Number(text)
  if (!/^([0-9]+(ms|s|m|h))+$/.test(text)) return undefined
  let total = 0
  for (const m of text.matchAll(/([0-9]+)(ms|s|m|h)/g)) total += Number(m[1]) * (UNIT_MS[m[2] ?? 's'] ?? 0)
  return total
}

export interface BlockingOptions {
  readonly defaultWaitMs: number
  readonly maxWaitMs: number
  /** In [0, 1): the jitter source (seeded in tests). */
  readonly random: () => number
  /** The response header that carries the index (`X-Grapevine-Index`; Consul's adapter uses its own). */
  readonly header: string
}

/** How long to hold a query: the asked wait, capped, plus up to 1/16 of it as jitter. */
export function holdMs(wait: string | undefined, opts: Omit<BlockingOptions, 'header'>): number {
  const asked = wait === undefined ? opts.defaultWaitMs : parseWait(wait)
  if (asked === undefined) {
    throw new GrapevineError('VALIDATION', 'query/wait must be a duration such as 250ms, 30s or 5m')
  }
  const capped = Math.min(asked, opts.maxWaitMs)
  return Math.round(capped + (capped / 16) * opts.random())
}

export class BlockingQueries {
  private readonly ports: ApiPorts
  private readonly opts: BlockingOptions
  /** Lower case, as fastify stores header names (it lower-cases each name it is given). */
  private readonly header: string
  private readonly waiting = new Set<AbortController>()
  private closed = false
  /** The last index answered and its header text: most reads answer the same index. */
  private lastIndex = 0
  private lastIndexText = ''

  constructor(ports: ApiPorts, opts: BlockingOptions) {
    this.ports = ports
    this.opts = opts
    this.header = opts.header.toLowerCase()
  }

  /** True when the query asks to wait for a change the view has not seen yet. */
  needsWait(query: { index?: number }): boolean {
    return (
      query.index !== undefined && query.index > 0 && !this.closed && this.ports.view().index <= query.index
    )
  }

  /** Answer at once: check `wait` anyway and set the index header. Returns the index. */
  now(reply: FastifyReply, query: { wait?: string }): number {
    if (query.wait !== undefined) holdMs(query.wait, this.opts) // still reject a malformed wait
    return this.setIndex(reply)
  }

  /**
   * Wait (when asked) for the view to move past `index`, then set the index header. Returns the
   * index the answer is built from (at least 1).
   */
  async wait(reply: FastifyReply, query: { index?: number; wait?: string }): Promise<number> {
    const current = this.ports.view().index
    if (query.index !== undefined && query.index > 0 && current <= query.index && !this.closed) {
      const ms = holdMs(query.wait, this.opts)
      const ctrl = new AbortController()
      const onClose = () => ctrl.abort()
      reply.raw.once('close', onClose)
      this.waiting.add(ctrl)
      try {
        await this.ports.waitForIndex(query.index, ms, ctrl.signal)
      } finally {
        this.waiting.delete(ctrl)
        reply.raw.off('close', onClose)
      }
    } else if (query.wait !== undefined) {
      holdMs(query.wait, this.opts) // still reject a malformed wait
    }
    return this.setIndex(reply)
  }

  /** Set the index header from the view (at least 1). Returns the index. */
  private setIndex(reply: FastifyReply): number {
    const index = Math.max(1, this.ports.view().index)
    if (index !== this.lastIndex) {
      this.lastIndex = index
      this.lastIndexText = String(index)
    }
    reply.header(this.header, this.lastIndexText)
    return index
  }

  /** Release every held query (server shutdown). */
  releaseAll(): void {
    this.closed = true
    for (const ctrl of this.waiting) ctrl.abort()
    this.waiting.clear()
  }

  get pending(): number {
    return this.waiting.size
  }
}
