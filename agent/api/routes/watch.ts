import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { ServiceName } from '../../../crdt/schema.ts'
import type { ApiContext } from '../context.ts'
import type { WatchEvent } from '../ports.ts'
import { COMMON_ERRORS } from '../schemas.ts'

/**
 * `GET /v1/watch`: change notification as Server-Sent Events. Each event is
 * `id: <view index>`, `event: <type>` (registered, updated, removed, health-changed,
 * member-joined, member-left, member-changed) and `data: <the event as JSON>`. A comment line
 * (`: heartbeat`) keeps idle proxies and clients from timing out. The stream ends cleanly when
 * the client goes away (we unsubscribe) and when the server closes (we end it first).
 */
const WatchQuery = Type.Object(
  {
    /** Only instance events of this service (member events are left out). */
    service: Type.Optional(ServiceName),
  },
  { additionalProperties: false },
)

/** Drop a client that stops reading once this much is queued for it. */
const MAX_BUFFERED = 1 << 20

export function eventMatches(event: WatchEvent, service: string | undefined): boolean {
  if (service === undefined) return true
  return 'service' in event && event.service.toLowerCase() === service.toLowerCase()
}

export function formatEvent(event: WatchEvent): string {
  return `id: ${event.index}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`
}

export const watchRoutes: FastifyPluginAsyncTypebox<ApiContext> = async (app, ctx) => {
  /** The finish function of every open stream. */
  const open = new Set<() => void>()
  ctx.onShutdown(() => {
    for (const finish of [...open]) finish()
  })

  app.get(
    '/v1/watch',
    { schema: { querystring: WatchQuery, response: { 200: Type.String(), ...COMMON_ERRORS } } },
    (request, reply) => {
      const service = request.query.service
      const res = reply.raw
      reply.hijack()
      const index = Math.max(1, ctx.ports.view().index)
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-grapevine-index': String(index),
      })
      let finished = false
      const finish = () => {
        if (finished) return
        finished = true
        clearInterval(heartbeat)
        unsubscribe()
        open.delete(finish)
        if (!res.writableEnded) res.end()
      }
      const send = (text: string) => {
        if (finished) return
        res.write(text)
        if (res.writableLength > MAX_BUFFERED) {
          ctx.logger.warn({ service }, 'watch client is not reading; closing its stream')
          finish()
        }
      }
      const unsubscribe = ctx.ports.subscribe((event) => {
        if (eventMatches(event, service)) send(formatEvent(event))
      })
      const heartbeat = setInterval(() => send(`: heartbeat\n\n`), ctx.sseHeartbeatMs)
      heartbeat.unref()
      res.once('close', finish)
      open.add(finish)
      send(`retry: 3000\n: watching ${service ?? 'everything'} from index ${index}\n\n`)
    },
  )
}
