import assert from 'node:assert/strict'
import { createSocket } from 'node:dgram'
import { describe, it } from 'node:test'
import dnsPacket from 'dns-packet'
import { Registry } from 'prom-client'
import { DnsError } from '../../dns/errors.ts'
import { DnsServer } from '../../dns/server.ts'
import { silentLogger, view } from './catalog-fixture.ts'
import { UdpClient } from './wire-client.ts'

const make = (init = {}, metrics?: Registry) =>
  new DnsServer(
    { logger: silentLogger(), view: () => view([]), ...(metrics ? { metrics } : {}) },
    { udp: { port: 0 }, tcp: { port: 0 }, ...init },
  )

describe('DnsServer lifecycle', () => {
  it('start twice and stop twice are harmless; stop before start is harmless', async () => {
    const s = make()
    await s.stop()
    await Promise.all([s.start(), s.start()])
    const a = s.addresses()
    await s.start()
    assert.deepEqual(s.addresses(), a)
    assert.equal(a.udp.port, a.tcp.port)
    assert.ok(a.udp.port > 0)
    await s.stop()
    await s.stop()
    assert.throws(() => s.addresses())
  })
  it('can start again after stop', async () => {
    const s = make()
    await s.start()
    await s.stop()
    await s.start()
    assert.ok(s.addresses().udp.port > 0)
    await s.stop()
  })
  it('a taken port -> DNS_BIND_FAILED, and nothing stays bound', async () => {
    const blocker = createSocket('udp4')
    await new Promise<void>((r) => blocker.bind(0, '127.0.0.1', () => r()))
    const port = blocker.address().port
    try {
      const s = make({ udp: { port }, tcp: { port } })
      await assert.rejects(s.start(), (e: unknown) => e instanceof DnsError && e.code === 'DNS_BIND_FAILED')
      await s.stop()
    } finally {
      blocker.close()
    }
  })
  it('separate UDP and TCP ports when given', async () => {
    const s = make({ udp: { port: 0 }, tcp: { host: '127.0.0.1', port: 0 } })
    await s.start()
    assert.ok(s.addresses().tcp.port > 0)
    await s.stop()
  })
  it('metrics on the registry passed in', async () => {
    const registry = new Registry()
    const s = make({}, registry)
    await s.start()
    const c = await UdpClient.open(s.addresses().udp.port)
    await c.ask(
      dnsPacket.encode({ id: 1, type: 'query', questions: [{ type: 'A', name: 'x.service.grapevine' }] }),
    )
    c.close()
    await s.stop()
    const text = await registry.metrics()
    assert.match(
      text,
      /grapevine_dns_responses_total\{transport="udp",qtype="[A-Z]+",rcode="NXDOMAIN",via="zone"\} 1/,
    )
  })
})

describe('DnsServer: a failing view', () => {
  it('answers SERVFAIL instead of crashing or staying silent', async () => {
    const s = new DnsServer(
      {
        logger: silentLogger(),
        view: () => {
          throw new Error('view unavailable')
        },
      },
      { udp: { port: 0 }, tcp: { port: 0 } },
    )
    const q = dnsPacket.encode({
      id: 3,
      type: 'query',
      questions: [{ type: 'A', name: 'web.service.grapevine' }],
    })
    const out = await s.handle(q, 'udp', { address: '127.0.0.1', port: 1 }).outcome
    assert.equal(out.kind, 'reply')
    if (out.kind === 'reply') assert.equal(out.bytes[3]! & 0xf, 2)
  })
})
