import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DnsError } from '../../dns/errors.ts'
import { parseRecursor, resolveDnsOptions } from '../../dns/options.ts'
import { DnsServer } from '../../dns/server.ts'
import { silentLogger, view } from './catalog-fixture.ts'

describe('resolveDnsOptions', () => {
  it('defaults', () => {
    const r = resolveDnsOptions({})
    assert.ok(r.ok)
    const o = r.options
    assert.deepEqual(o.udp, { host: '127.0.0.1', port: 8600 })
    assert.deepEqual(o.tcp, { host: '127.0.0.1', port: 8600 })
    assert.deepEqual(o.domains, ['grapevine'])
    assert.equal(o.ttl, 5)
    assert.equal(o.negativeTtl, 2)
    assert.equal(o.maxUdpSize, 1232)
    assert.equal(o.allowWarning, true)
    assert.equal(o.preferLocal, false)
    assert.deepEqual(o.recursors, [])
    assert.equal(o.rateLimit.enabled, false, 'loopback: off')
    assert.deepEqual(o.nsAddresses, ['127.0.0.1'])
  })
  it('rate limit auto: on for a non-loopback bind; forced either way', () => {
    const on = resolveDnsOptions({ udp: { host: '0.0.0.0' } })
    assert.ok(on.ok && on.options.rateLimit.enabled)
    assert.ok(on.ok && on.options.nsAddresses[0] === '127.0.0.1')
    const forced = resolveDnsOptions({ rateLimit: { enabled: true } })
    assert.ok(forced.ok && forced.options.rateLimit.enabled)
    const off = resolveDnsOptions({ udp: { host: '10.1.1.1' }, rateLimit: { enabled: false } })
    assert.ok(off.ok && !off.options.rateLimit.enabled)
  })
  it('reports every problem at once, by key', () => {
    const r = resolveDnsOptions({
      udp: { host: 'localhost', port: 70000 },
      domains: ['bad domain'],
      ttl: -1,
      maxUdpSize: 100,
      recursors: ['8.8.8.8:0', 'dns.google'],
    })
    assert.equal(r.ok, false)
    if (r.ok) return
    const keys = r.problems.map((p) => p.key).sort()
    assert.deepEqual(keys, ['domains', 'maxUdpSize', 'recursors', 'recursors', 'ttl', 'udp.host', 'udp.port'])
  })
  it('recursor syntax', () => {
    assert.deepEqual(parseRecursor('127.0.0.1'), { host: '127.0.0.1', port: 53 })
    assert.deepEqual(parseRecursor('127.0.0.1:5300'), { host: '127.0.0.1', port: 5300 })
    assert.deepEqual(parseRecursor('[::1]:5300'), { host: '::1', port: 5300 })
    assert.deepEqual(parseRecursor('::1'), { host: '::1', port: 53 })
    assert.equal(parseRecursor('[::1'), undefined)
  })
  it('the constructor throws DNS_CONFIG_INVALID with every problem', () => {
    assert.throws(
      () => new DnsServer({ logger: silentLogger(), view: () => view([]) }, { ttl: 1.5, negativeTtl: -3 }),
      (e: unknown) =>
        e instanceof DnsError &&
        e.code === 'DNS_CONFIG_INVALID' &&
        /ttl/.test(e.message) &&
        /negativeTtl/.test(e.message),
    )
  })
})
