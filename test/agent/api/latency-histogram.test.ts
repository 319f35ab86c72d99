import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Histogram, Registry } from 'prom-client'
import { LatencyHistogram } from '../../../agent/api/latency-histogram.ts'

const BUCKETS = [0.0005, 0.001, 0.01, 1]
// On a bound (counted in that bucket, as prom-client's `le` does), between bounds, past every bound.
const SAMPLES: Array<[string, string, number]> = [
  ['GET', '200', 0.0005],
  ['GET', '200', 0.0007],
  ['GET', '200', 0.0002],
  ['GET', '400', 3],
  ['HEAD', '200', 1],
]

describe('LatencyHistogram', () => {
  it('scrapes as the same text as a prom-client Histogram given the same observations', async () => {
    const ours = new Registry()
    const theirs = new Registry()
    const h = new LatencyHistogram({
      name: 'x_seconds',
      help: 'test latency',
      labelNames: ['route', 'method', 'status'],
      buckets: BUCKETS,
      registry: ours,
    })
    const ref = new Histogram({
      name: 'x_seconds',
      help: 'test latency',
      labelNames: ['route', 'method', 'status'],
      buckets: BUCKETS,
      registers: [theirs],
    })
    for (const [method, status, seconds] of SAMPLES) {
      h.series({ route: '/a/:b', method, status }).observe(seconds)
      ref.observe({ route: '/a/:b', method, status }, seconds)
    }
    assert.equal(await ours.metrics(), await theirs.metrics())
    const get = await h.get()
    assert.equal(get.type, 'histogram')
    assert.deepEqual(
      get.values.filter((v) => v.metricName === 'x_seconds_count').map((v) => [v.labels['status'], v.value]),
      [
        ['200', 3],
        ['400', 1],
        ['200', 1],
      ],
    )
  })

  it('gives one series per label set, and reset zeroes the series callers hold', async () => {
    const registry = new Registry()
    const h = new LatencyHistogram({
      name: 'y_seconds',
      help: 'test',
      labelNames: ['route'],
      buckets: BUCKETS,
      registry,
    })
    const a = h.series({ route: 'a' })
    assert.equal(h.series({ route: 'a' }), a)
    assert.notEqual(h.series({ route: 'b' }), a)
    a.observe(0.002)
    assert.match(await registry.metrics(), /y_seconds_count\{route="a"\} 1/)
    registry.resetMetrics()
    a.observe(0.002)
    assert.match(await registry.metrics(), /y_seconds_count\{route="a"\} 1/)
    assert.match(await registry.metrics(), /y_seconds_bucket\{le="0.01",route="a"\} 1/)
    assert.equal(registry.getSingleMetric('y_seconds') as unknown, h)
  })
})
