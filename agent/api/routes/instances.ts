import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { hlcToString } from '../../../crdt/hlc.ts'
import { instanceKey } from '../../../crdt/keys.ts'
import { CHECK_STATUSES, InstanceId, InstanceValue, META_KEY_PATTERN } from '../../../crdt/schema.ts'
import { GrapevineError } from '../../errors.ts'
import { BlockingQuery } from '../blocking.ts'
import type { ApiContext } from '../context.ts'
import { type LocalInstance, RegistrationInput } from '../ports.ts'
import { ErrorAnswer, Freshness, HealthWord, Origin, WRITE_ERRORS } from '../schemas.ts'

/**
 * Registrations on this agent: register (POST, or PUT with the id), deregister, read one back,
 * TTL-style health reports and maintenance. Writes need the ACL token when one is configured.
 */
const IdParams = Type.Object({ id: InstanceId }, { additionalProperties: false })

const Written = Type.Object({ id: Type.String(), created: Type.Boolean() })

const HealthReport = Type.Object(
  {
    status: Type.Union(CHECK_STATUSES.map((s) => Type.Literal(s))),
    note: Type.Optional(Type.String({ maxLength: 1024 })),
  },
  { additionalProperties: false },
)

const MaintenanceRequest = Type.Object(
  {
    enable: Type.Boolean(),
    reason: Type.Optional(Type.String({ maxLength: 1024 })),
  },
  { additionalProperties: false },
)

const LocalCheckAnswer = Type.Object({
  id: Type.String(),
  name: Type.String(),
  type: Type.String(),
  status: Type.String(),
  output: Type.String(),
  /** ms since the epoch of the last status change. */
  since: Type.Integer(),
})

const { kind: _kind, health: _health, checks: _checks, ...valueFields } = InstanceValue.properties

const LocalInstanceAnswer = Type.Object({
  ...valueFields,
  health: HealthWord,
  source: Type.Union([Type.Literal('api'), Type.Literal('file')]),
  maintenance: Type.Boolean(),
  maintenanceReason: Type.Optional(Type.String()),
  checks: Type.Array(LocalCheckAnswer),
  origin: Origin,
  /** Absent until the registration has reached the catalog. */
  freshness: Type.Optional(Freshness),
})
type LocalInstanceAnswer = Type.Static<typeof LocalInstanceAnswer>

const META_KEY = new RegExp(META_KEY_PATTERN)

/** The record schema bounds meta keys by pattern but lets others through; refuse them here. */
function checkMetaKeys(input: RegistrationInput): void {
  const bad = Object.keys(input.meta ?? {}).filter((k) => !META_KEY.test(k))
  if (bad.length > 0) {
    throw new GrapevineError(
      'VALIDATION',
      `body/meta has keys that are not allowed (${bad.map((k) => JSON.stringify(k)).join(', ')}); a meta key is 1 to 128 letters, digits, '_', '.' or '-'`,
    )
  }
}

function notRegistered(id: string): GrapevineError {
  return new GrapevineError(
    'NOT_FOUND',
    `no instance "${id}" is registered on this agent; GET /v1/services/:name lists instances on every node`,
  )
}

function localAnswer(ctx: ApiContext, local: LocalInstance): LocalInstanceAnswer {
  const view = ctx.ports.view()
  const iv = view.instances().find((x) => x.key === instanceKey(view.localOrigin, local.id))
  const { kind: _k, checks: _c, ...value } = local.value
  const node = view.nodeByOrigin(view.localOrigin)?.name ?? ctx.ports.agentInfo().nodeName
  const answer: LocalInstanceAnswer = {
    ...value,
    health: iv?.health ?? local.value.health,
    source: local.source,
    maintenance: local.maintenance,
    checks: local.checks.map((c) => ({
      id: c.id,
      name: c.name,
      type: c.type,
      status: c.status,
      output: c.output,
      since: c.since,
    })),
    origin: { node, peerId: view.localOrigin },
  }
  if (local.maintenanceReason !== undefined) answer.maintenanceReason = local.maintenanceReason
  if (iv !== undefined) {
    answer.freshness = {
      version: hlcToString(iv.hlc),
      ageMs: Math.max(0, Math.round(ctx.ports.now() - iv.hlc.wall)),
    }
  }
  return answer
}

export const instanceRoutes: FastifyPluginAsyncTypebox<ApiContext> = async (app, ctx) => {
  const registry = ctx.ports.registry
  // onRequest: the token is checked before the body is read or validated.
  const write = { onRequest: ctx.requireToken }

  app.post(
    '/v1/instances',
    {
      ...write,
      schema: { body: RegistrationInput, response: { 200: Written, 201: Written, ...WRITE_ERRORS } },
    },
    async (request, reply) => {
      checkMetaKeys(request.body)
      const r = await registry.register(request.body)
      return reply.status(r.created ? 201 : 200).send({ id: r.id, created: r.created })
    },
  )

  app.put(
    '/v1/instances/:id',
    {
      ...write,
      schema: {
        params: IdParams,
        body: RegistrationInput,
        response: { 200: Written, 201: Written, ...WRITE_ERRORS },
      },
    },
    async (request, reply) => {
      const { id } = request.params
      if (request.body.id !== undefined && request.body.id !== id) {
        throw new GrapevineError(
          'VALIDATION',
          `body/id must equal the id in the path ("${id}") or be left out`,
        )
      }
      checkMetaKeys(request.body)
      const r = await registry.register({ ...request.body, id }, { id })
      return reply.status(r.created ? 201 : 200).send({ id: r.id, created: r.created })
    },
  )

  app.delete(
    '/v1/instances/:id',
    {
      ...write,
      schema: {
        params: IdParams,
        response: {
          200: Type.Object({ id: Type.String(), removed: Type.Literal(true) }),
          404: ErrorAnswer,
          ...WRITE_ERRORS,
        },
      },
    },
    async (request) => {
      const { id } = request.params
      if (!(await registry.deregister(id))) throw notRegistered(id)
      return { id, removed: true as const }
    },
  )

  app.get(
    '/v1/instances/:id',
    {
      schema: {
        params: IdParams,
        querystring: Type.Object(BlockingQuery, { additionalProperties: false }),
        response: { 200: LocalInstanceAnswer, 404: ErrorAnswer, 400: ErrorAnswer },
      },
    },
    async (request, reply) => {
      await ctx.blocking.wait(reply, request.query)
      const local = registry.get(request.params.id)
      if (local === undefined) throw notRegistered(request.params.id)
      return localAnswer(ctx, local)
    },
  )

  app.put(
    '/v1/instances/:id/health',
    {
      ...write,
      schema: {
        params: IdParams,
        body: HealthReport,
        response: {
          200: Type.Object({ id: Type.String(), status: Type.String() }),
          404: ErrorAnswer,
          ...WRITE_ERRORS,
        },
      },
    },
    async (request) => {
      const { id } = request.params
      await registry.reportTtl(id, request.body.status, request.body.note)
      return { id, status: request.body.status }
    },
  )

  app.put(
    '/v1/instances/:id/maintenance',
    {
      ...write,
      schema: {
        params: IdParams,
        body: MaintenanceRequest,
        response: {
          200: Type.Object({ id: Type.String(), maintenance: Type.Boolean() }),
          404: ErrorAnswer,
          ...WRITE_ERRORS,
        },
      },
    },
    async (request) => {
      const { id } = request.params
      if (registry.get(id) === undefined) throw notRegistered(id)
      await registry.setMaintenance(id, request.body.enable, request.body.reason)
      return { id, maintenance: request.body.enable }
    },
  )
}
