import type { FastifyRequest } from 'fastify'

/**
 * Catalog and health answers depend only on the view (and the request's filters), so each is
 * built and serialized once per view index and reused by every client asking the same thing
 * until the index moves: watchers waking together on one change cost one build, not one each.
 */
const IGNORED_QUERY = new Set(['index', 'wait', 'token', 'dc', 'stale', 'consistent', 'cached', 'pretty'])

export class AnswerCache {
  private readonly max: number
  private index = -1
  private readonly answers = new Map<string, string>()

  constructor(max = 256) {
    this.max = max
  }

  /** The JSON text of the answer for `key` at `index`, built with `build` when not cached. */
  json(key: string, index: number, build: () => unknown): string {
    if (index !== this.index) {
      this.answers.clear()
      this.index = index
    }
    const hit = this.answers.get(key)
    if (hit !== undefined) return hit
    const text = JSON.stringify(build())
    if (this.answers.size >= this.max) {
      const oldest = this.answers.keys().next().value
      if (oldest !== undefined) this.answers.delete(oldest)
    }
    this.answers.set(key, text)
    return text
  }

  get size(): number {
    return this.answers.size
  }
}

/** The cache key of a request: its route, path parameters and the query fields that shape it. */
export function answerKey(request: FastifyRequest): string {
  const query = Object.entries((request.query ?? {}) as Record<string, unknown>)
    .filter(([k]) => !IGNORED_QUERY.has(k))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return JSON.stringify([request.routeOptions.url, request.params, query])
}
