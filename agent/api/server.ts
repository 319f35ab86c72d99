import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify'
import type { Logger } from 'pino'
import { createTokenCheck } from './auth.ts'
import { BlockingQueries, DEFAULT_WAIT_MS, MAX_WAIT_MS } from './blocking.ts'
import { installJsonBodyParser } from './body-parser.ts'
import { consulRoutes } from './consul/plugin.ts'
import type { ApiContext } from './context.ts'
import { createErrorHandler, errorBody, notFoundHandler } from './error-handler.ts'
import { installHttpMetrics } from './http-metrics.ts'
import type { ApiPorts } from './ports.ts'
import { agentRoutes } from './routes/agent.ts'
import { instanceRoutes } from './routes/instances.ts'
import { serviceRoutes } from './routes/services.ts'
import { statusRoutes } from './routes/status.ts'
import { watchRoutes } from './routes/watch.ts'
import { validatorCompiler } from './validation.ts'

/**
 * The agent's local HTTP API, built without `listen()`: tests call `inject()`, the agent calls
 * `listen({ host: '127.0.0.1', port: 8500 })`. Native routes live under `/v1/` in encapsulated
 * plugins; more plugins (the Consul-compatible API) can be registered on the returned instance
 * before it is ready, with the same `ApiContext` (`app.apiContext`).
 */
export interface ApiServerComponents {
  readonly ports: ApiPorts
  readonly logger: Logger
  /** In [0, 1); default Math.random. Seeded in tests. */
  readonly random?: () => number
}

export interface ApiServerInit {
  /** Writes need this token when set (Authorization: Bearer or X-Grapevine-Token). */
  readonly token?: string
  /** Largest request body, bytes. */
  readonly bodyLimit: number
  /** Node's server.maxConnections: sockets past it are refused. Default 1024. */
  readonly maxConnections?: number
  /** Idle socket timeout, ms. Default 0 (none): blocking queries hold a silent socket for minutes. */
  readonly connectionTimeout?: number
  /** Keep-alive idle timeout, ms. Default 72 s (fastify's). */
  readonly keepAliveTimeout?: number
  readonly datacenter: string
  /** Blocking query wait when `?wait=` is absent. Default 5 min. */
  readonly defaultWaitMs?: number
  /** Longest blocking query wait. Default 10 min. */
  readonly maxWaitMs?: number
  /** SSE heartbeat comment interval, ms. Default 15 s. */
  readonly sseHeartbeatMs?: number
  /** Log every request at info (fastify's request logs, with secrets redacted). Default true. */
  readonly logRequests?: boolean
}

declare module 'fastify' {
  interface FastifyInstance {
    apiContext: ApiContext
  }
}

const TOKEN_PARAM = /([?&](?:token|access_token)=)[^&]*/gi

/** The request as logs show it: no headers at all (tokens live there) and no token in the URL. */
export function redactedRequest(req: FastifyRequest | { method?: string; url?: string }) {
  const r = req as FastifyRequest
  return {
    method: r.method,
    url: typeof r.url === 'string' ? r.url.replace(TOKEN_PARAM, '$1[redacted]') : r.url,
    remoteAddress: r.ip ?? r.socket?.remoteAddress,
  }
}

/**
 * `logger` whose `child()` is itself (pino's own children are `Object.create` of their parent
 * too). Given to fastify, its request logger is then the server's with no per-request work:
 * a custom `childLoggerFactory` would do the same, but fastify checks what such a factory
 * returns on every request (seven method look-ups and two arrays, ~0.4 µs).
 */
function childless(logger: Logger): Logger {
  const self: Logger = Object.create(logger, { child: { value: () => self } })
  return self
}

export function buildApiServer(components: ApiServerComponents, init: ApiServerInit): FastifyInstance {
  const logger = components.logger.child(
    { component: 'http' },
    { serializers: { req: redactedRequest }, redact: { paths: ['req.headers'], remove: true } },
  )
  const app = Fastify({
    // Without request logs, a pino child per request is pure cost on the hot path; the error
    // handler logs the request id itself.
    loggerInstance: (init.logRequests === false ? childless(logger) : logger) as FastifyBaseLogger,
    bodyLimit: init.bodyLimit,
    connectionTimeout: init.connectionTimeout ?? 0,
    keepAliveTimeout: init.keepAliveTimeout ?? 72_000,
    logController: new LogController({ disableRequestLogging: init.logRequests === false }),
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 512 },
    // Router-level failures (bad percent-encoding, over-long path segments) answer in our shape too.
    frameworkErrors: (error, _request, reply) => {
      const message =
        error.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? 'a path segment is longer than 512 characters'
          : 'the URL path is not valid (check its percent-encoding)'
      ;(reply as FastifyReply).status(400).send(errorBody('BAD_REQUEST', 400, message))
    },
  })
  app.server.maxConnections = init.maxConnections ?? 1024

  const random = components.random ?? Math.random
  const shutdown: Array<() => void> = []
  const waitLimits = {
    defaultWaitMs: init.defaultWaitMs ?? DEFAULT_WAIT_MS,
    maxWaitMs: init.maxWaitMs ?? MAX_WAIT_MS,
  }
  const blocking = new BlockingQueries(components.ports, {
    ...waitLimits,
    random,
    header: 'X-Grapevine-Index',
  })
  const ctx: ApiContext = {
    ports: components.ports,
    logger,
    datacenter: init.datacenter,
    random,
    blocking,
    requireToken: createTokenCheck(init.token),
    tokenCheck: (sources) => createTokenCheck(init.token, sources),
    waitLimits,
    sseHeartbeatMs: init.sseHeartbeatMs ?? 15_000,
    onShutdown: (fn) => shutdown.push(fn),
  }
  app.decorate('apiContext', ctx)
  app.addHook('preClose', async () => {
    blocking.releaseAll()
    for (const fn of shutdown) fn()
  })

  app.setValidatorCompiler(validatorCompiler)
  installJsonBodyParser(app)
  app.setErrorHandler(createErrorHandler(logger, init.bodyLimit))
  const observeUnmatched = installHttpMetrics(app, components.ports.metrics)
  app.setNotFoundHandler((request, reply) => {
    observeUnmatched(reply)
    return notFoundHandler(request, reply)
  })

  app.register(statusRoutes, ctx)
  app.register(instanceRoutes, ctx)
  app.register(serviceRoutes, ctx)
  app.register(agentRoutes, ctx)
  app.register(watchRoutes, ctx)
  app.register(consulRoutes, ctx)
  return app
}
