import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { GrapevineError } from '../../errors.ts'
import { checkRegistrationFromConsul, inputFromLocal, pinnedChecks } from './check-registration.ts'
import { type ConsulContext, ConsulReadQuery } from './consul-context.ts'

/**
 * `PUT /v1/agent/check/register` and `PUT /v1/agent/check/deregister/:id` for checks that belong
 * to a service: each re-registers the owning instance with its check list changed.
 */
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 512 }) })

export const checkRegisterRoutes: FastifyPluginAsyncTypebox<ConsulContext> = async (app, c) => {
  const { registry } = c.api.ports

  app.put(
    '/v1/agent/check/register',
    { preHandler: c.requireToken, schema: { querystring: ConsulReadQuery } },
    async (request, reply) => {
      const r = checkRegistrationFromConsul(request.body, (id) => registry.get(id)?.value.service)
      if (!r.ok) {
        throw new GrapevineError(r.error.includes('does not exist') ? 'NOT_FOUND' : 'VALIDATION', r.error)
      }
      const li = registry.get(r.serviceId)
      if (li === undefined) throw new GrapevineError('NOT_FOUND', `ServiceID "${r.serviceId}" does not exist`)
      const others = pinnedChecks(li).filter((d) => d.id !== r.check.id)
      await registry.register(inputFromLocal(li, [...others, r.check]))
      return reply.status(200).send()
    },
  )

  app.put(
    '/v1/agent/check/deregister/:id',
    { preHandler: c.requireToken, schema: { params: IdParams, querystring: ConsulReadQuery } },
    async (request, reply) => {
      const id = request.params.id
      const li = registry.list().find((x) => x.checks.some((ch) => ch.id === id))
      if (li === undefined) throw new GrapevineError('NOT_FOUND', `Unknown check ID "${id}"`)
      await registry.register(
        inputFromLocal(
          li,
          pinnedChecks(li).filter((d) => d.id !== id),
        ),
      )
      return reply.status(200).send()
    },
  )
}
