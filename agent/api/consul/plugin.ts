import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { ApiContext } from '../context.ts'
import { agentServiceRoutes } from './agent-routes.ts'
import { catalogRoutes } from './catalog-routes.ts'
import { checkRegisterRoutes } from './check-register-routes.ts'
import { agentCheckRoutes } from './check-routes.ts'
import { createConsulContext, installConsulConventions } from './consul-context.ts'
import { healthRoutes } from './health-routes.ts'
import { consulStatusRoutes } from './status-routes.ts'

/**
 * The Consul-compatible agent API (the subset service discovery uses), as one encapsulated
 * fastify plugin taking the same `ApiContext` as the native routes: an adapter on the same
 * registry and catalog view, never a second store. buildApiServer registers it; its hooks and
 * plain-text error handler apply to its routes only. Endpoints: docs/consul-compat.md.
 */
export const consulRoutes: FastifyPluginAsyncTypebox<ApiContext> = async (app, api) => {
  const c = createConsulContext(api)
  installConsulConventions(app, c)
  await app.register(agentServiceRoutes, c)
  await app.register(agentCheckRoutes, c)
  await app.register(checkRegisterRoutes, c)
  await app.register(catalogRoutes, c)
  await app.register(healthRoutes, c)
  await app.register(consulStatusRoutes, c)
}
