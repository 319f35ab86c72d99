import assert from 'node:assert/strict'
import type { RemoteInfo } from 'node:dgram'
import { describe, it } from 'node:test'
import dnsPacket from 'dns-packet'
import { createDnsMetrics } from '../../dns/metrics.ts'
import { parseQuery } from '../../dns/query.ts'
import { UdpListener } from '../../dns/udp-listener.ts'
import { silentLogger } from './catalog-fixture.ts'

describe('UdpListener', () => {
  it('never replies to source port 0 (spoofed) and does not throw', async () => {
    let handled = 0
    const listener = new UdpListener({
      logger: silentLogger(),
      limiter: undefined,
      metrics: createDnsMetrics(undefined),
      handle: (raw) => {
        handled++
        return {
          parsed: parseQuery(raw),
          outcome: { kind: 'reply', bytes: new Uint8Array(12), rcode: 0, via: 'test' },
        }
      },
    })
    await listener.start('127.0.0.1', 0)
    try {
      const q = dnsPacket.encode({ id: 1, type: 'query', questions: [{ type: 'A', name: 'x.grapevine' }] })
      const rinfo: RemoteInfo = { address: '127.0.0.1', port: 0, family: 'IPv4', size: q.length }
      assert.doesNotThrow(() => listener['onMessage'](q, rinfo))
      assert.equal(handled, 1)
    } finally {
      await listener.stop()
    }
  })
})
