import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Registry } from 'prom-client'
import { createDnsMetrics } from '../../dns/metrics.ts'
import { RCODE, TYPE } from '../../dns/wire-constants.ts'

async function values(registry: Registry, name: string): Promise<Map<string, number>> {
  const json = await registry.getMetricsAsJSON()
  const metric = json.find((m) => m.name === name)
  const out = new Map<string, number>()
  for (const v of (metric?.values ?? []) as { labels: Record<string, string>; value: number }[])
    out.set(JSON.stringify(v.labels), v.value)
  return out
}
const key = (labels: Record<string, string>) => JSON.stringify(labels)

describe('createDnsMetrics', () => {
  it('counts replies per label set, read when the registry is read', async () => {
    const registry = new Registry()
    const m = createDnsMetrics(registry)
    for (let i = 0; i < 3; i++) m.response('udp', RCODE.NOERROR, 'zone', TYPE.A)
    m.response('tcp', RCODE.NOERROR, 'zone', TYPE.A)
    m.response('udp', RCODE.NXDOMAIN, 'zone', TYPE.SRV)
    m.response('udp', RCODE.FORMERR, 'malformed')
    m.response('udp', RCODE.BADVERS, 'malformed', 0)
    m.response('udp', RCODE.REFUSED, 'refuse', 64999)
    const v = await values(registry, 'grapevine_dns_responses_total')
    assert.equal(v.get(key({ transport: 'udp', qtype: 'A', rcode: 'NOERROR', via: 'zone' })), 3)
    assert.equal(v.get(key({ transport: 'tcp', qtype: 'A', rcode: 'NOERROR', via: 'zone' })), 1)
    assert.equal(v.get(key({ transport: 'udp', qtype: 'SRV', rcode: 'NXDOMAIN', via: 'zone' })), 1)
    assert.equal(v.get(key({ transport: 'udp', qtype: 'none', rcode: 'FORMERR', via: 'malformed' })), 1)
    assert.equal(v.get(key({ transport: 'udp', qtype: 'other', rcode: 'BADVERS', via: 'malformed' })), 1)
    assert.equal(v.get(key({ transport: 'udp', qtype: 'other', rcode: 'REFUSED', via: 'refuse' })), 1)
    assert.equal(v.size, 6)
  })
  it('a second read does not count twice; later replies add to the totals', async () => {
    const registry = new Registry()
    const m = createDnsMetrics(registry)
    m.response('udp', RCODE.NOERROR, 'zone', TYPE.A)
    m.dropped('response (QR=1)')
    await registry.metrics()
    m.response('udp', RCODE.NOERROR, 'zone', TYPE.A)
    m.dropped('response (QR=1)')
    m.dropped('rate limited')
    await registry.metrics()
    const r = await values(registry, 'grapevine_dns_responses_total')
    assert.equal(r.get(key({ transport: 'udp', qtype: 'A', rcode: 'NOERROR', via: 'zone' })), 2)
    const d = await values(registry, 'grapevine_dns_dropped_total')
    assert.equal(d.get(key({ reason: 'response (QR=1)' })), 2)
    assert.equal(d.get(key({ reason: 'rate limited' })), 1)
  })
  it('without a registry it records nothing and costs nothing', () => {
    const m = createDnsMetrics(undefined)
    m.response('udp', RCODE.NOERROR, 'zone', TYPE.A)
    m.dropped('x')
  })
})
