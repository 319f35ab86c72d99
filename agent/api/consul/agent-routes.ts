import { createHash } from 'node:crypto'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { GrapevineError } from '../../errors.ts'
import { redactSecrets } from '../routes/agent.ts'
import { agentService, consulMember, consulNodeId } from './catalog-shapes.ts'
import { type ConsulContext, ConsulQueryFields, ConsulReadQuery } from './consul-context.ts'
import { AgentServiceAnswer, MemberAnswer, SelfAnswer } from './consul-schemas.ts'
import { registrationFromConsul } from './registration.ts'

/**
 * `/v1/agent/...` for services: register, deregister (PUT, and the GET form old clients send),
 * list and read back, maintenance (service and node), members and self. Registrations go to the
 * same registry as the native API's; nothing here keeps state of its own.
 */
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 512 }) })

const MaintenanceQuery = Type.Object({
  ...ConsulQueryFields,
  enable: Type.Optional(Type.String({ maxLength: 8 })),
  reason: Type.Optional(Type.String({ maxLength: 1024 })),
})

/** Go's strconv.ParseBool, which Consul uses for `?enable=`. */
export function parseConsulBool(text: string | undefined, name: string): boolean {
  if (text === undefined || text === '') {
    throw new GrapevineError('VALIDATION', `query/${name} is required: send ?${name}=true or ?${name}=false`)
  }
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false
  throw new GrapevineError('VALIDATION', `query/${name} must be true or false, not "${text}"`)
}

const ServiceQuery = Type.Object({
  ...ConsulQueryFields,
  hash: Type.Optional(Type.String({ maxLength: 128 })),
})

export function contentHash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16)
}

function unknownService(id: string): GrapevineError {
  return new GrapevineError(
    'NOT_FOUND',
    `Unknown service ID "${id}". Ensure that the service ID is passed, not the service name.`,
  )
}

export const agentServiceRoutes: FastifyPluginAsyncTypebox<ConsulContext> = async (app, c) => {
  const { ports } = c.api

  app.put(
    '/v1/agent/service/register',
    { preHandler: c.requireToken, schema: { querystring: ConsulReadQuery } },
    async (request, reply) => {
      const r = registrationFromConsul(request.body)
      if (!r.ok) throw new GrapevineError('VALIDATION', r.error)
      await ports.registry.register(r.value)
      return reply.status(200).send()
    },
  )

  const deregister = async (id: string) => {
    if (!(await ports.registry.deregister(id))) throw unknownService(id)
  }
  for (const method of ['PUT', 'GET'] as const) {
    app.route({
      method,
      url: '/v1/agent/service/deregister/:id',
      preHandler: c.requireToken,
      schema: { params: IdParams, querystring: ConsulReadQuery },
      handler: async (request, reply) => {
        await deregister(request.params.id)
        return reply.status(200).send()
      },
    })
  }

  app.put(
    '/v1/agent/service/maintenance/:id',
    { preHandler: c.requireToken, schema: { params: IdParams, querystring: MaintenanceQuery } },
    async (request, reply) => {
      const enable = parseConsulBool(request.query.enable, 'enable')
      const id = request.params.id
      if (ports.registry.get(id) === undefined) throw unknownService(id)
      const reason = request.query.reason
      await ports.registry.setMaintenance(id, enable, reason === '' ? undefined : reason)
      return reply.status(200).send()
    },
  )

  app.put(
    '/v1/agent/maintenance',
    { preHandler: c.requireToken, schema: { querystring: MaintenanceQuery } },
    async (request, reply) => {
      const enable = parseConsulBool(request.query.enable, 'enable')
      const reason = request.query.reason
      await ports.registry.setNodeMaintenance(enable, reason === '' ? undefined : reason)
      return reply.status(200).send()
    },
  )

  app.get(
    '/v1/agent/services',
    {
      schema: {
        querystring: ConsulReadQuery,
        response: { 200: Type.Record(Type.String(), AgentServiceAnswer) },
      },
    },
    async (request, reply) => {
      await c.blocking.wait(reply, request.query)
      const out: Record<string, ReturnType<typeof agentService>> = {}
      for (const li of ports.registry.list()) out[li.id] = agentService(li.value, c.datacenter)
      return out
    },
  )

  const serviceWithHash = (id: string) => {
    const li = ports.registry.get(id)
    if (li === undefined) throw unknownService(id)
    const service = agentService(li.value, c.datacenter)
    return { ...service, ContentHash: contentHash(service) }
  }

  app.get(
    '/v1/agent/service/:id',
    { schema: { params: IdParams, querystring: ServiceQuery, response: { 200: AgentServiceAnswer } } },
    async (request, reply) => {
      const { hash, ...query } = request.query
      // Consul blocks this endpoint on ?hash= (the ContentHash last seen) rather than ?index=:
      // hold while the hash is current, until something changes or `wait` passes.
      if (hash !== undefined && hash !== '' && serviceWithHash(request.params.id).ContentHash === hash) {
        await c.blocking.wait(reply, { ...query, index: ports.view().index })
      } else {
        await c.blocking.wait(reply, query)
      }
      return serviceWithHash(request.params.id)
    },
  )

  app.get(
    '/v1/agent/members',
    { schema: { querystring: ConsulReadQuery, response: { 200: Type.Array(MemberAnswer) } } },
    async (request, reply) => {
      await c.blocking.wait(reply, request.query)
      return ports
        .members()
        .map((m) => consulMember(m, c.datacenter))
        .sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0))
    },
  )

  app.get(
    '/v1/agent/self',
    { schema: { querystring: ConsulReadQuery, response: { 200: SelfAnswer } } },
    async (request, reply) => {
      await c.blocking.wait(reply, request.query)
      const a = ports.agentInfo()
      const self = ports.members().find((m) => m.origin === a.peerId) ?? {
        origin: a.peerId,
        name: a.nodeName,
        addresses: [],
        multiaddrs: [...a.listen],
        state: 'alive' as const,
        agentVersion: a.version,
        meta: {},
      }
      const node = ports.view().nodeByOrigin(a.peerId)
      return {
        Config: {
          Datacenter: c.datacenter,
          PrimaryDatacenter: c.datacenter,
          NodeName: a.nodeName,
          NodeID: consulNodeId(a.peerId),
          Revision: '',
          Server: false,
          Version: a.version,
          BuildDate: '',
          Product: 'grapevine',
        },
        DebugConfig: redactSecrets(a.config) as Record<string, unknown>,
        Coord: { Vec: [0, 0, 0, 0, 0, 0, 0, 0], Error: 1.5, Adjustment: 0, Height: 0.00001 },
        Member: consulMember(self, c.datacenter),
        Meta: { ...(node?.meta ?? {}) },
        Stats: {
          agent: { check_monitors: '0', services: String(ports.registry.list().length) },
          grapevine: {
            peer_id: a.peerId,
            http: a.http,
            dns: a.dns,
            domain: a.domain,
            listen: a.listen.join(','),
          },
        },
      }
    },
  )
}
