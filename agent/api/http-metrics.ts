import type { FastifyInstance, FastifyReply, onResponseHookHandler } from 'fastify'
import type { Registry } from 'prom-client'
import { LatencyHistogram, type LatencySeries } from './latency-histogram.ts'

/**
 * `grapevine_http_request_duration_seconds{route,method,status}` on the agent's registry. The
 * route label is the route pattern (`/v1/services/:name`), never the raw URL, so label values
 * stay few. Long buckets cover blocking queries (up to 10 min).
 */
export const HTTP_DURATION_METRIC = 'grapevine_http_request_duration_seconds'

type HttpLabel = 'route' | 'method' | 'status'

export function httpDurationHistogram(registry: Registry): LatencyHistogram<HttpLabel> {
  const existing = registry.getSingleMetric(HTTP_DURATION_METRIC)
  if (existing !== undefined) return existing as unknown as LatencyHistogram<HttpLabel>
  return new LatencyHistogram({
    name: HTTP_DURATION_METRIC,
    help: 'HTTP API request latency by route pattern, method and status code',
    labelNames: ['route', 'method', 'status'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60, 300, 660],
    registry,
  })
}

/** Observes one route's requests: its series by method and status, each looked up once. */
function routeRecorder(histogram: LatencyHistogram<HttpLabel>, route: string) {
  const byMethod = new Map<string, Map<number, LatencySeries>>()
  return (method: string, status: number, seconds: number): void => {
    let byStatus = byMethod.get(method)
    if (byStatus === undefined) {
      byStatus = new Map()
      byMethod.set(method, byStatus)
    }
    let series = byStatus.get(status)
    if (series === undefined) {
      series = histogram.series({ route, method, status: String(status) })
      byStatus.set(status, series)
    }
    series.observe(seconds)
  }
}

/**
 * Each route gets its own onResponse hook that already knows its pattern (added as routes are
 * declared), which is cheaper than one global hook reading `request.routeOptions` per request.
 * Returns the observer for requests no route matched (the not-found handler calls it).
 */
export function installHttpMetrics(app: FastifyInstance, registry: Registry): (reply: FastifyReply) => void {
  const histogram = httpDurationHistogram(registry)
  const hookFor = (route: string): onResponseHookHandler => {
    const record = routeRecorder(histogram, route)
    return function observeDuration(request, reply, done) {
      record(request.method, reply.statusCode, reply.elapsedTime / 1000)
      done()
    }
  }
  app.addHook('onRoute', (opts) => {
    const own =
      opts.onResponse === undefined
        ? []
        : Array.isArray(opts.onResponse)
          ? opts.onResponse
          : [opts.onResponse]
    if (own.some((h) => h.name === 'observeDuration')) return // a HEAD route copied from its GET
    opts.onResponse = [...own, hookFor(opts.url)]
  })
  const unmatched = routeRecorder(histogram, 'unmatched')
  return (reply) => {
    reply.raw.once('finish', () => {
      unmatched(reply.request.method, reply.statusCode, reply.elapsedTime / 1000)
    })
  }
}
