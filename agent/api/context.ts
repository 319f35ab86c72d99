import type { FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import type { TokenSources } from './auth.ts'
import type { BlockingQueries } from './blocking.ts'
import type { ApiPorts } from './ports.ts'

/**
 * What every route plugin receives (as its plugin options): the ports, the server's settings and
 * the shared helpers. The Consul-compatible plugin (issue 7) takes the same context, so both
 * APIs answer from one core.
 */
export interface ApiContext {
  readonly ports: ApiPorts
  readonly logger: Logger
  readonly datacenter: string
  /** In [0, 1): strategies and jitter (seeded in tests). */
  readonly random: () => number
  readonly blocking: BlockingQueries
  /** preHandler for writes: checks the ACL token when one is configured. */
  readonly requireToken: (request: FastifyRequest) => Promise<void>
  /** The same token check reading other places (the Consul adapter: X-Consul-Token, ?token=). */
  readonly tokenCheck: (sources: TokenSources) => (request: FastifyRequest) => Promise<void>
  /** Blocking query limits (`?wait=` default and cap), for plugins that keep their own index header. */
  readonly waitLimits: { readonly defaultWaitMs: number; readonly maxWaitMs: number }
  readonly sseHeartbeatMs: number
  /** Called by the server's preClose hook; SSE streams and held queries register here. */
  readonly onShutdown: (fn: () => void) => void
}
