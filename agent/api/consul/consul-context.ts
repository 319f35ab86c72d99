import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import Type from 'typebox'
import { GrapevineError } from '../../errors.ts'
import type { TokenSources } from '../auth.ts'
import { BlockingQueries, BlockingQuery } from '../blocking.ts'
import type { ApiContext } from '../context.ts'
import { toErrorBody } from '../error-handler.ts'
import { AnswerCache, answerKey } from './answer-cache.ts'

/**
 * What every Consul-compatible route shares: the `X-Consul-Index` blocking queries (the same
 * view index as the native API's, so it is ≥ 1, never goes back, and survives restarts with the
 * agent's persisted index), the token read from Consul's places, the `?dc=` check, Consul's
 * response headers, and errors as Consul sends them (plain text; our stable code in a header).
 */
export const CONSUL_TOKEN_SOURCES: TokenSources = {
  headers: ['x-consul-token', 'x-grapevine-token'],
  query: ['token'],
}

/** Query fields every Consul route accepts. Unknown parameters are ignored, as Consul does. */
export const ConsulQueryFields = {
  ...BlockingQuery,
  dc: Type.Optional(Type.String({ maxLength: 128 })),
  token: Type.Optional(Type.String({ maxLength: 1024 })),
  filter: Type.Optional(Type.String({ maxLength: 4096 })),
}

export const ConsulReadQuery = Type.Object(ConsulQueryFields)
export type ConsulReadQuery = Type.Static<typeof ConsulReadQuery>

export interface ConsulContext {
  readonly api: ApiContext
  readonly datacenter: string
  readonly blocking: BlockingQueries
  readonly requireToken: (request: FastifyRequest) => Promise<void>
  readonly answers: AnswerCache
}

export function createConsulContext(api: ApiContext): ConsulContext {
  const blocking = new BlockingQueries(api.ports, {
    ...api.waitLimits,
    random: api.random,
    header: 'X-Consul-Index',
  })
  api.onShutdown(() => blocking.releaseAll())
  const check = api.tokenCheck(CONSUL_TOKEN_SOURCES)
  const requireToken = async (request: FastifyRequest) => {
    try {
      await check(request)
    } catch (e) {
      if (e instanceof GrapevineError && e.code === 'UNAUTHORIZED') {
        throw new GrapevineError(
          'UNAUTHORIZED',
          'this agent requires a token for writes; send it as X-Consul-Token, Authorization: Bearer <token> or ?token=',
        )
      }
      throw e
    }
  }
  return { api, datacenter: api.datacenter, blocking, requireToken, answers: new AnswerCache() }
}

/** `?dc=` must name this agent's datacenter (there is only one). */
export function checkDatacenter(dc: unknown, datacenter: string): void {
  if (dc === undefined || dc === '' || typeof dc !== 'string') return
  if (dc.toLowerCase() === datacenter.toLowerCase()) return
  throw new GrapevineError(
    'UNKNOWN_DATACENTER',
    `unknown datacenter "${dc}": this agent serves only datacenter "${datacenter}"; omit ?dc= or send ?dc=${datacenter}`,
  )
}

/** Consul's `?filter=` expressions are not implemented: refuse rather than answer unfiltered. */
export function refuseFilter(query: { filter?: string }): void {
  if (query.filter !== undefined && query.filter !== '') {
    throw new GrapevineError(
      'BAD_REQUEST',
      '?filter= expressions are not supported by Grapevine; use ?tag=, ?node-meta= or ?passing',
    )
  }
}

/** Hooks and the error handler for the Consul plugin's routes (encapsulated to them). */
export function installConsulConventions(app: FastifyInstance, c: ConsulContext): void {
  const bodyLimit = app.initialConfig.bodyLimit ?? 1_048_576
  app.addHook('onRequest', async (request) => {
    checkDatacenter((request.query as Record<string, unknown> | undefined)?.['dc'], c.datacenter)
  })
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('X-Consul-KnownLeader', 'true')
    reply.header('X-Consul-LastContact', '0')
    if (!reply.hasHeader('X-Consul-Index')) {
      reply.header('X-Consul-Index', String(Math.max(1, c.api.ports.view().index)))
    }
    return payload
  })
  app.setErrorHandler((e: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const { body, internal } = toErrorBody(e, bodyLimit)
    if (internal)
      c.api.logger.error({ err: e, reqId: request.id, route: request.routeOptions.url }, 'request failed')
    return reply
      .status(body.statusCode)
      .header('X-Grapevine-Error-Code', body.code)
      .header('x-request-id', request.id)
      .type('text/plain; charset=utf-8')
      .send(body.message)
  })
}

/** Send an answer built once per view index (see answer-cache.ts). */
export function sendCached(
  c: ConsulContext,
  request: FastifyRequest,
  reply: FastifyReply,
  index: number,
  build: () => unknown,
): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(c.answers.json(answerKey(request), index, build))
}
