import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import { GrapevineError } from '../errors.ts'

/**
 * The optional ACL token for writes. The token travels as `Authorization: Bearer <t>` or in a
 * token header (`X-Grapevine-Token`; the Consul adapter adds `X-Consul-Token` and `?token=`);
 * it is compared in constant time and never logged (see server.ts for the log redaction).
 */
export interface TokenSources {
  /** Lower-case header names that carry the bare token. */
  readonly headers: readonly string[]
  /** Query parameter names that carry it (none for the native API). */
  readonly query?: readonly string[]
}

export const NATIVE_TOKEN_SOURCES: TokenSources = { headers: ['x-grapevine-token'] }

/** The token a request presents, or undefined. */
export function presentedToken(request: FastifyRequest, sources: TokenSources): string | undefined {
  const auth = request.headers.authorization
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth)
    if (m?.[1] !== undefined) return m[1]
  }
  for (const name of sources.headers) {
    const v = request.headers[name]
    const s = Array.isArray(v) ? v[0] : v
    if (typeof s === 'string' && s.length > 0) return s
  }
  const query = request.query as Record<string, unknown> | undefined
  for (const name of sources.query ?? []) {
    const v = query?.[name]
    if (typeof v === 'string' && v.length > 0) return v
  }
  return undefined
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest()
}

/** Constant-time comparison (on digests, so lengths do not leak either). */
export function tokensEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b))
}

/**
 * A hook (onRequest or preHandler) that lets a write through only with the right token; does nothing when no token
 * is configured. Missing → 401 UNAUTHORIZED, wrong → 403 FORBIDDEN.
 */
export function createTokenCheck(token: string | undefined, sources: TokenSources = NATIVE_TOKEN_SOURCES) {
  return async function requireToken(request: FastifyRequest): Promise<void> {
    if (token === undefined || token === '') return
    const given = presentedToken(request, sources)
    if (given === undefined) {
      throw new GrapevineError(
        'UNAUTHORIZED',
        'this agent requires a token for writes; send it as Authorization: Bearer <token> or X-Grapevine-Token',
      )
    }
    if (!tokensEqual(given, token)) {
      throw new GrapevineError('FORBIDDEN', 'the token sent is not accepted by this agent; check --token')
    }
  }
}
