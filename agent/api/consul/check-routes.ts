import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import Type, { type TSchema } from 'typebox'
import { Compile } from 'typebox/compile'
import type { CheckStatus } from '../../../crdt/schema.ts'
import { GrapevineError } from '../../errors.ts'
import type { LocalInstance } from '../ports.ts'
import { describeIssues, type SchemaIssue } from '../validation.ts'
import { agentService } from './catalog-shapes.ts'
import {
  aggregateStatus,
  type ConsulCheck,
  type ConsulStatus,
  localInstanceChecks,
  localNodeMaintenance,
} from './check-shapes.ts'
import { type ConsulContext, ConsulQueryFields, ConsulReadQuery } from './consul-context.ts'
import { ConsulCheckAnswer, ServiceHealthAnswer } from './consul-schemas.ts'
import { normalizeKeys } from './normalize-keys.ts'

/**
 * The local agent's checks: list them, TTL reports (`pass|warn|fail`, also as GET for pre-1.0
 * clients, and `update` with a body), and the local health of a service by name or id, answered
 * with 200/429/503 so a load balancer can probe the agent directly.
 */
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 512 }) })
const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 256 }) })

const NoteQuery = Type.Object({ ...ConsulQueryFields, note: Type.Optional(Type.String({ maxLength: 4096 })) })
const HealthQuery = Type.Object({
  ...ConsulQueryFields,
  format: Type.Optional(Type.String({ maxLength: 8 })),
})

const CheckUpdate = Type.Object(
  {
    Status: Type.Union([Type.Literal('passing'), Type.Literal('warning'), Type.Literal('critical')]),
    Output: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
)
const checkUpdate = Compile(CheckUpdate)

/** Consul's HTTP code for an aggregated status. */
export function statusCode(status: ConsulStatus | 'maintenance'): number {
  if (status === 'passing') return 200
  if (status === 'warning') return 429
  return 503
}

/** Worst of several aggregated statuses (maintenance > critical > warning > passing). */
export function worstStatus(list: readonly (ConsulStatus | 'maintenance')[]): ConsulStatus | 'maintenance' {
  for (const s of ['maintenance', 'critical', 'warning'] as const) if (list.includes(s)) return s
  return 'passing'
}

const MAX_OUTPUT = 1024

function byStatus<T extends TSchema>(schema: T) {
  return { 200: schema, 429: schema, 503: schema }
}

export const agentCheckRoutes: FastifyPluginAsyncTypebox<ConsulContext> = async (app, c) => {
  const { ports } = c.api
  const nodeName = () => ports.agentInfo().nodeName
  const checksOf = (li: LocalInstance, index: number): ConsulCheck[] => [
    ...localNodeMaintenance(nodeName(), ports.registry.nodeMaintenance(), index),
    ...localInstanceChecks(nodeName(), li, index),
  ]

  app.get(
    '/v1/agent/checks',
    {
      schema: {
        querystring: ConsulReadQuery,
        response: { 200: Type.Record(Type.String(), ConsulCheckAnswer) },
      },
    },
    async (request, reply) => {
      const index = await c.blocking.wait(reply, request.query)
      const out: Record<string, ConsulCheck> = {}
      for (const ch of localNodeMaintenance(nodeName(), ports.registry.nodeMaintenance(), index))
        out[ch.CheckID] = ch
      for (const li of ports.registry.list()) {
        for (const ch of localInstanceChecks(nodeName(), li, index)) out[ch.CheckID] = ch
      }
      return out
    },
  )

  const report = async (id: string, status: CheckStatus, note: string | undefined) => {
    await ports.registry.reportTtl(id, status, note?.slice(0, MAX_OUTPUT))
  }
  const verbs: ReadonlyArray<readonly [string, CheckStatus]> = [
    ['pass', 'passing'],
    ['warn', 'warning'],
    ['fail', 'critical'],
  ]
  for (const [verb, status] of verbs) {
    for (const method of ['PUT', 'GET'] as const) {
      app.route({
        method,
        url: `/v1/agent/check/${verb}/:id`,
        preHandler: c.requireToken,
        schema: { params: IdParams, querystring: NoteQuery },
        handler: async (request, reply) => {
          await report(request.params.id, status, request.query.note)
          return reply.status(200).send()
        },
      })
    }
  }

  app.put(
    '/v1/agent/check/update/:id',
    { preHandler: c.requireToken, schema: { params: IdParams, querystring: ConsulReadQuery } },
    async (request, reply) => {
      const n = normalizeKeys(request.body ?? {}, { canonical: ['Status', 'Output'] }, 'body')
      if (!n.ok) throw new GrapevineError('VALIDATION', n.error)
      if (!checkUpdate.Check(n.value)) {
        const issues = checkUpdate.Errors(n.value) as unknown as SchemaIssue[]
        throw new GrapevineError('VALIDATION', describeIssues(CheckUpdate, 'body', issues))
      }
      await report(request.params.id, n.value.Status, n.value.Output)
      return reply.status(200).send()
    },
  )

  const answerHealth = (
    reply: FastifyReply,
    format: string | undefined,
    status: ConsulStatus | 'maintenance',
    body: unknown,
  ) => {
    reply.status(statusCode(status))
    if (format === 'text') return reply.type('text/plain; charset=utf-8').send(status)
    return reply.send(body)
  }
  const notFound = (reply: FastifyReply, format: string | undefined, text: string, empty: unknown) => {
    reply.status(404)
    if (format === 'text') return reply.type('text/plain; charset=utf-8').send(text)
    return reply.send(empty)
  }

  app.get(
    '/v1/agent/health/service/name/:name',
    {
      schema: {
        params: NameParams,
        querystring: HealthQuery,
        response: byStatus(Type.Array(ServiceHealthAnswer)),
      },
    },
    async (request, reply) => {
      const index = await c.blocking.wait(reply, request.query)
      const name = request.params.name.toLowerCase()
      const local = ports.registry.list().filter((li) => li.value.service.toLowerCase() === name)
      const format = request.query.format
      if (local.length === 0)
        return notFound(reply, format, `ServiceName ${request.params.name} Not Found`, [])
      const entries = local.map((li) => {
        const checks = checksOf(li, index)
        return {
          AggregatedStatus: aggregateStatus(checks),
          Service: agentService(li.value, c.datacenter),
          Checks: checks,
        }
      })
      return answerHealth(reply, format, worstStatus(entries.map((e) => e.AggregatedStatus)), entries)
    },
  )

  app.get(
    '/v1/agent/health/service/id/:id',
    { schema: { params: IdParams, querystring: HealthQuery, response: byStatus(ServiceHealthAnswer) } },
    async (request, reply) => {
      const index = await c.blocking.wait(reply, request.query)
      const li = ports.registry.get(request.params.id)
      const format = request.query.format
      if (li === undefined) return notFound(reply, format, `ServiceId ${request.params.id} not found`, null)
      const checks = checksOf(li, index)
      const status = aggregateStatus(checks)
      return answerHealth(reply, format, status, {
        AggregatedStatus: status,
        Service: agentService(li.value, c.datacenter),
        Checks: checks,
      })
    },
  )
}
