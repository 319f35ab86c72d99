import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import type { ApiContext } from '../context.ts'
import { errorBody } from '../error-handler.ts'
import { ErrorAnswer } from '../schemas.ts'

/**
 * Probes and metrics, outside `/v1/`: `/health` (the process answers), `/ready` (the agent says
 * it is ready: local state loaded, synced with a peer when peers are configured) and `/metrics`
 * (Prometheus text from the agent's registry).
 */
const Liveness = Type.Object({ status: Type.Literal('ok') })
const Ready = Type.Object({ ready: Type.Literal(true), reasons: Type.Array(Type.String()) })
const NotReady = Type.Object({
  ...ErrorAnswer.properties,
  ready: Type.Literal(false),
  reasons: Type.Array(Type.String()),
})

export const statusRoutes: FastifyPluginAsyncTypebox<ApiContext> = async (app, ctx) => {
  app.get('/health', { schema: { response: { 200: Liveness } } }, async () => ({ status: 'ok' as const }))

  app.get('/ready', { schema: { response: { 200: Ready, 503: NotReady } } }, async (_request, reply) => {
    const r = ctx.ports.readiness()
    if (r.ready) return reply.status(200).send({ ready: true, reasons: [...r.reasons] })
    const reasons = r.reasons.length > 0 ? [...r.reasons] : ['not ready']
    return reply.status(503).send({
      ...errorBody('UNAVAILABLE', 503, `agent is not ready: ${reasons.join('; ')}`),
      ready: false,
      reasons,
    })
  })

  app.get('/metrics', { schema: { response: { 200: Type.String() } } }, async (_request, reply) => {
    const text = await ctx.ports.metrics.metrics()
    return reply.status(200).type(ctx.ports.metrics.contentType).send(text)
  })
}
