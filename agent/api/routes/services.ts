import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import Type from 'typebox'
import { type Health, NodeName, Tag } from '../../../crdt/schema.ts'
import { GrapevineError } from '../../errors.ts'
import { BlockingQuery } from '../blocking.ts'
import type { ApiContext } from '../context.ts'
import {
  type AnswerFragment,
  answerFragment,
  filterInstances,
  type InstanceFilter,
  joinFragments,
} from '../instance-answer.ts'
import { COMMON_ERRORS, HealthCounts, InstanceAnswer, ServiceNameParams } from '../schemas.ts'
import { orderInstances, STRATEGIES } from '../strategy.ts'

/**
 * Discovery: the list of services, and the instances of one service with filters and an
 * ordering strategy. Instances are pre-serialized once per view index and filter set (see
 * instance-answer.ts), so a hot `GET /v1/services/web` only orders and copies bytes; an answer
 * in a deterministic order is reused while the clock (which its ages depend on) has not moved.
 */
const ServicesAnswer = Type.Object({
  services: Type.Array(
    Type.Object({
      name: Type.String(),
      tags: Type.Array(Type.String()),
      instances: Type.Integer(),
      health: HealthCounts,
    }),
  ),
})

const FlagWord = Type.Union(['', 'true', 'false', '1', '0'].map((w) => Type.Literal(w)))

const InstancesQuery = Type.Object(
  {
    ...BlockingQuery,
    passing: Type.Optional(FlagWord),
    tag: Type.Optional(Type.Array(Tag, { maxItems: 32 })),
    meta: Type.Optional(
      Type.Array(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,128}:', maxLength: 1024 }), { maxItems: 32 }),
    ),
    version: Type.Optional(Type.String({ maxLength: 64 })),
    node: Type.Optional(NodeName),
    strategy: Type.Optional(Type.Union(STRATEGIES.map((s) => Type.Literal(s)))),
    key: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
  },
  { additionalProperties: false },
)
type InstancesQuery = Type.Static<typeof InstancesQuery>

/** Declared for docs and checked in tests; the route writes these bytes itself (see sendInstances). */
export const InstancesAnswer = Type.Object(
  { service: Type.String(), instances: Type.Array(InstanceAnswer) },
  { additionalProperties: false },
)

function hasFilter(q: InstancesQuery): boolean {
  return (
    q.passing !== undefined ||
    q.tag !== undefined ||
    q.meta !== undefined ||
    q.version !== undefined ||
    q.node !== undefined
  )
}

function filterOf(q: InstancesQuery): InstanceFilter {
  const f: {
    passing?: boolean
    tags?: readonly string[]
    meta?: ReadonlyArray<readonly [string, string]>
    version?: string
    node?: string
  } = {}
  if (q.passing !== undefined && q.passing !== 'false' && q.passing !== '0') f.passing = true
  if (q.tag !== undefined && q.tag.length > 0) f.tags = q.tag
  if (q.meta !== undefined && q.meta.length > 0) {
    f.meta = q.meta.map((kv) => {
      const at = kv.indexOf(':')
      return [kv.slice(0, at), kv.slice(at + 1)] as const
    })
  }
  if (q.version !== undefined) f.version = q.version
  if (q.node !== undefined) f.node = q.node
  return f
}

/** Per view index, service and filter: the answer's pieces, and whole answers of deterministic orders. */
interface CacheEntry {
  readonly prefix: Buffer
  readonly fragments: readonly AnswerFragment[]
  /** By strategy, key and limit: the last body built and the clock reading it holds ages for. */
  readonly bodies: Map<string, { readonly now: number; readonly body: Buffer }>
}

const CLOSE = Buffer.from(']}', 'utf8')
const MAX_CACHED = 512
const MAX_BODIES = 64
const MAX_TURNS = 10_000

export const serviceRoutes: FastifyPluginAsyncTypebox<ApiContext> = async (app, ctx) => {
  /** Pre-serialized instances for one view index, by service and filter. */
  let cacheIndex = -1
  const cache = new Map<string, CacheEntry>()
  /** round_robin position per service. */
  const turns = new Map<string, number>()

  function fragmentsFor(name: string, q: InstancesQuery) {
    const view = ctx.ports.view()
    if (view.index !== cacheIndex || cache.size >= MAX_CACHED) {
      cache.clear()
      cacheIndex = view.index
    }
    const lower = name.toLowerCase()
    // The common read has no filter: its key is the name alone, and no filter object is built.
    const filter = hasFilter(q) ? filterOf(q) : undefined
    const cacheKey = filter === undefined ? lower : `${lower}\u0000${JSON.stringify(filter)}`
    let hit = cache.get(cacheKey)
    if (hit === undefined) {
      const all = view.instancesOf(name)
      const list = filter === undefined ? all : filterInstances(view, all, filter)
      const service = all[0]?.instance.service ?? name
      hit = {
        prefix: Buffer.from(`{"service":${JSON.stringify(service)},"instances":[`, 'utf8'),
        fragments: list.map((iv) => answerFragment(view, iv)),
        bodies: new Map(),
      }
      cache.set(cacheKey, hit)
    }
    return { entry: hit, localOrigin: view.localOrigin, lower }
  }

  app.get(
    '/v1/services',
    {
      schema: {
        querystring: Type.Object(BlockingQuery, { additionalProperties: false }),
        response: { 200: ServicesAnswer, ...COMMON_ERRORS },
      },
    },
    async (request, reply) => {
      await ctx.blocking.wait(reply, request.query)
      const view = ctx.ports.view()
      const services = view.serviceNames().map((name) => {
        const list = view.instancesOf(name)
        const health: Record<Health, number> = { passing: 0, warning: 0, critical: 0, maintenance: 0 }
        const tags = new Set<string>()
        for (const iv of list) {
          health[iv.health]++
          for (const t of iv.instance.tags) tags.add(t)
        }
        return { name, tags: [...tags].sort(), instances: list.length, health }
      })
      return { services }
    },
  )

  app.get(
    '/v1/services/:name',
    {
      schema: {
        params: ServiceNameParams,
        querystring: InstancesQuery,
        response: { 200: InstancesAnswer, ...COMMON_ERRORS },
      },
    },
    (request, reply) => {
      const q = request.query
      if (q.strategy === 'consistent_hash' && q.key === undefined) {
        throw new GrapevineError('VALIDATION', 'query/key is required when strategy is consistent_hash')
      }
      // The hot path stays synchronous: no promise unless the caller asked to block.
      if (ctx.blocking.needsWait(q)) {
        return ctx.blocking.wait(reply, q).then(() => {
          sendInstances(request.params.name, q, reply)
        })
      }
      ctx.blocking.now(reply, q)
      sendInstances(request.params.name, q, reply)
    },
  )

  function sendInstances(name: string, q: InstancesQuery, reply: FastifyReply): void {
    const { entry, localOrigin, lower } = fragmentsFor(name, q)
    let turn = 0
    if (q.strategy === 'round_robin') {
      turn = turns.get(lower) ?? 0
      if (turns.size >= MAX_TURNS && !turns.has(lower)) turns.clear()
      turns.set(lower, turn + 1)
    }
    const now = ctx.ports.now()
    const deterministic = q.strategy !== 'round_robin' && q.strategy !== 'random' && q.strategy !== 'weighted'
    const bodyKey =
      q.strategy === undefined && q.key === undefined && q.limit === undefined
        ? ''
        : `${q.strategy ?? ''}\u0000${q.key ?? ''}\u0000${q.limit ?? ''}`
    const cached = deterministic ? entry.bodies.get(bodyKey) : undefined
    let body: Buffer
    if (cached !== undefined && cached.now === now) {
      body = cached.body
    } else {
      const ordered =
        q.strategy === undefined
          ? entry.fragments
          : orderInstances(
              entry.fragments.map((f) => ({
                key: f.iv.key,
                origin: f.iv.origin,
                instance: f.iv.instance,
                f,
              })),
              q.strategy,
              { random: ctx.random, turn, localOrigin, ...(q.key === undefined ? {} : { key: q.key }) },
            ).map((x) => x.f)
      const chosen = q.limit === undefined ? ordered : ordered.slice(0, q.limit)
      body = joinFragments(entry.prefix, chosen, CLOSE, now)
      if (deterministic) {
        if (entry.bodies.size >= MAX_BODIES) entry.bodies.clear()
        entry.bodies.set(bodyKey, { now, body })
      }
    }
    // The JSON bytes of an InstancesAnswer; fastify sends buffers as they are.
    reply.type('application/json; charset=utf-8').send(body)
  }
}
