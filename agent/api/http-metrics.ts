import type { FastifyInstance } from 'fastify'
import { Histogram, type Registry } from 'prom-client'

/**
 * `grapevine_http_request_duration_seconds{route,method,status}` on the agent's registry. The
 * route label is the route pattern (`/v1/services/:name`), never the raw URL, so label values
 * stay few. Long buckets cover blocking queries (up to 10 min).
 */
export const HTTP_DURATION_METRIC = 'grapevine_http_request_duration_seconds'

export function httpDurationHistogram(registry: Registry): Histogram<'route' | 'method' | 'status'> {
  const existing = registry.getSingleMetric(HTTP_DURATION_METRIC)
  if (existing !== undefined) return existing as Histogram<'route' | 'method' | 'status'>
  return new Histogram({
    name: HTTP_DURATION_METRIC,
    help: 'HTTP API request latency by route pattern, method and status code',
    labelNames: ['route', 'method', 'status'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60, 300, 660],
    registers: [registry],
  })
}

export function installHttpMetrics(app: FastifyInstance, registry: Registry): void {
  const histogram = httpDurationHistogram(registry)
  app.addHook('onResponse', (request, reply, done) => {
    histogram.observe(
      {
        route: request.routeOptions.url ?? 'unmatched',
        method: request.method,
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    )
    done()
  })
}
