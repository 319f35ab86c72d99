import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import dnsPacket from 'dns-packet'
import type { Outcome } from '../../dns/handlers/types.ts'
import type { DnsMetrics } from '../../dns/metrics.ts'
import { parseQuery } from '../../dns/query.ts'
import { batchUdp } from '../../dns/udp-batch.ts'
import { type HandleFn, UdpListener } from '../../dns/udp-listener.ts'
import { silentLogger } from './catalog-fixture.ts'
import { UdpClient } from './wire-client.ts'

/** The batched UDP path (dns/native): on Linux with a compiler (CI's machine), it must be the one in use. */

function recordingMetrics(): DnsMetrics & { drops: string[] } {
  const drops: string[] = []
  return { drops, response: () => {}, dropped: (r) => drops.push(r) }
}

/** Replies with the query's own bytes and QR set (or, for `slow.*`, after a macrotask). */
const echo: HandleFn = (raw) => {
  const bytes = Uint8Array.from(raw)
  bytes[2] = (bytes[2] ?? 0) | 0x80
  const parsed = parseQuery(raw)
  const out: Outcome = { kind: 'reply', bytes, rcode: 0, via: 'test' }
  const slow = parsed.ok && parsed.query.labels[0] === 'slow'
  return { parsed, outcome: slow ? new Promise((r) => setTimeout(() => r(out), 5)) : out }
}

function query(id: number, name: string): Uint8Array {
  return dnsPacket.encode({ id, type: 'query', questions: [{ type: 'A', name }] })
}

describe('batched UDP', () => {
  it('the addon is built and loads on Linux; elsewhere it is absent and says why', () => {
    const { addon, reason } = batchUdp({})
    if (process.platform === 'linux') assert.ok(addon, `batched UDP addon unavailable: ${reason}`)
    else assert.match(reason, /addon not loaded/)
  })

  it('GRAPEVINE_DNS_UDP_IO=dgram turns it off', () => {
    const r = batchUdp({ GRAPEVINE_DNS_UDP_IO: 'dgram' })
    assert.equal(r.addon, undefined)
    assert.match(r.reason, /GRAPEVINE_DNS_UDP_IO=dgram/)
  })

  it('answers a burst of 300 queries, each to its sender, and a reply that finishes after its batch', async () => {
    const metrics = recordingMetrics()
    const listener = new UdpListener({ logger: silentLogger(), handle: echo, limiter: undefined, metrics })
    const port = await listener.start('127.0.0.1', 0, 1 << 20)
    const clients = await Promise.all([UdpClient.open(port), UdpClient.open(port)])
    try {
      if (process.platform === 'linux' && process.env.GRAPEVINE_DNS_UDP_IO !== 'dgram')
        assert.equal(listener.io?.kind, 'batch', listener.io?.reason)
      const asks: Array<Promise<Buffer>> = []
      for (let i = 0; i < 300; i++) {
        const c = clients[i % 2] as UdpClient
        asks.push(c.ask(query(i + 1, `n${i}.service.grapevine`)))
      }
      asks.push((clients[0] as UdpClient).ask(query(1000, 'slow.service.grapevine')))
      const replies = await Promise.all(asks)
      for (const [i, r] of replies.entries()) {
        const id = i === 300 ? 1000 : i + 1
        assert.equal(r.readUInt16BE(0), id)
        assert.equal(
          dnsPacket.decode(r).questions?.[0]?.name,
          i === 300 ? 'slow.service.grapevine' : `n${i}.service.grapevine`,
        )
      }
      assert.deepEqual(metrics.drops, [])
    } finally {
      for (const c of clients) c.close()
      await listener.stop()
    }
  })

  it('drops a datagram longer than a slot (4 KiB) and still answers the next', async () => {
    const metrics = recordingMetrics()
    const listener = new UdpListener({ logger: silentLogger(), handle: echo, limiter: undefined, metrics })
    const port = await listener.start('127.0.0.1', 0)
    const c = await UdpClient.open(port)
    try {
      c.send(new Uint8Array(5000))
      const r = await c.ask(query(7, 'after.service.grapevine'))
      assert.equal(r.readUInt16BE(0), 7)
      if (listener.io?.kind === 'batch') assert.deepEqual(metrics.drops, ['oversized'])
    } finally {
      c.close()
      await listener.stop()
    }
  })

  it('stop closes the socket: the port can be bound again', async () => {
    const metrics = recordingMetrics()
    const a = new UdpListener({ logger: silentLogger(), handle: echo, limiter: undefined, metrics })
    const port = await a.start('127.0.0.1', 0)
    await a.stop()
    const b = new UdpListener({ logger: silentLogger(), handle: echo, limiter: undefined, metrics })
    assert.equal(await b.start('127.0.0.1', port), port)
    await b.stop()
  })

  it('a port in use is EADDRINUSE, as with node:dgram', async () => {
    const metrics = recordingMetrics()
    const a = new UdpListener({ logger: silentLogger(), handle: echo, limiter: undefined, metrics })
    const port = await a.start('127.0.0.1', 0)
    const b = new UdpListener({ logger: silentLogger(), handle: echo, limiter: undefined, metrics })
    await assert.rejects(
      b.start('127.0.0.1', port),
      (err: NodeJS.ErrnoException) => err.code === 'EADDRINUSE',
    )
    await a.stop()
  })
})
