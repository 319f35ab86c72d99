import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { memberAddress } from './catalog-shapes.ts'
import type { ConsulContext } from './consul-context.ts'
import { StringListAnswer } from './consul-schemas.ts'

/**
 * `/v1/status/leader` and `/v1/status/peers`. Grapevine has no servers and no leader; clients
 * call these as liveness probes and treat an empty leader as "cluster down". So the leader is
 * this agent itself (it answers every query from its own catalog), and the peers are the members
 * it currently reaches. docs/consul-compat.md says so plainly.
 */
export const consulStatusRoutes: FastifyPluginAsyncTypebox<ConsulContext> = async (app, c) => {
  const { ports } = c.api

  const selfAddress = (): string => {
    const a = ports.agentInfo()
    const self = ports.members().find((m) => m.origin === a.peerId)
    if (self !== undefined) return memberAddress(self)
    return memberAddress({ addresses: [], multiaddrs: a.listen }) || a.http
  }

  app.get('/v1/status/leader', async (_request, reply) =>
    reply.type('application/json; charset=utf-8').send(JSON.stringify(selfAddress())),
  )

  app.get('/v1/status/peers', { schema: { response: { 200: StringListAnswer } } }, async () => {
    const a = ports.agentInfo()
    const reachable = ports
      .members()
      .filter((m) => m.origin !== a.peerId && (m.state === 'alive' || m.state === 'suspect'))
      .map(memberAddress)
    return [selfAddress(), ...reachable.sort()]
  })
}
