import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import dnsPacket from 'dns-packet'
import type { DnsServer } from '../../dns/server.ts'
import { DnsServer as Server } from '../../dns/server.ts'
import { silentLogger } from '../dns/catalog-fixture.ts'
import { sampleCatalog, startServer } from '../dns/harness.ts'
import { TcpClient, UdpClient } from '../dns/wire-client.ts'
import { FakeClock } from '../helpers/fake-clock.ts'
import { waitFor } from '../helpers/wait-for.ts'

const query = (id: number, name = 'web.service.grapevine') =>
  dnsPacket.encode({
    id,
    type: 'query',
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type: 'A', name }],
  })

describe('hostile input over real sockets', { timeout: 60_000 }, () => {
  let server: DnsServer
  let port: number
  before(async () => {
    ;({ server, port } = await startServer(sampleCatalog(), { tcpIdleTimeoutMs: 300 }))
  })
  after(async () => server.stop())

  it('UDP: no reply to QR=1 or to a short header; the next valid query still answered', async () => {
    const c = await UdpClient.open(port)
    try {
      const response = Buffer.from(query(1))
      response[2] = response[2]! | 0x80
      c.send(response)
      c.send(Buffer.from([0, 2, 1]))
      c.send(Buffer.alloc(0))
      const r = await c.ask(query(3))
      assert.equal(r.readUInt16BE(0), 3)
      assert.equal(c.received.length, 1, 'only the valid query got a reply')
    } finally {
      c.close()
    }
  })
  it('UDP: FORMERR for a compression loop, then service continues', async () => {
    const c = await UdpClient.open(port)
    try {
      const loop = Buffer.from([0, 9, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1])
      const r = await c.ask(loop)
      assert.equal(r[3]! & 0xf, 1)
      assert.equal((await c.ask(query(10))).readUInt16BE(0), 10)
    } finally {
      c.close()
    }
  })
  it('TCP: pipelined queries, a malformed one among them, split across writes', async () => {
    const c = await TcpClient.open(port)
    try {
      const msgs = [query(21), Buffer.from([0, 22, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0]), query(23)]
      const framed = Buffer.concat(
        msgs.map((m) => Buffer.concat([Buffer.from([m.length >> 8, m.length & 255]), m])),
      )
      c.writeRaw(framed.subarray(0, 5))
      c.writeRaw(framed.subarray(5))
      await waitFor('3 TCP replies', () => c.replies.length === 3, { timeoutMs: 3000 })
      assert.deepEqual(
        c.replies.map((r) => [r.readUInt16BE(0), r[3]! & 0xf]),
        [
          [21, 0],
          [22, 1],
          [23, 0],
        ],
      )
    } finally {
      c.close()
    }
  })
  it('TCP: a response message (QR=1) gets no reply, the connection stays usable', async () => {
    const c = await TcpClient.open(port)
    try {
      const response = Buffer.from(query(31))
      response[2] = response[2]! | 0x80
      c.write(response)
      c.write(query(32))
      await waitFor('a TCP reply', () => c.replies.length === 1, { timeoutMs: 3000 })
      assert.equal(c.replies[0]!.readUInt16BE(0), 32)
    } finally {
      c.close()
    }
  })
  it('TCP: an idle connection is closed after tcpIdleTimeoutMs', async () => {
    const c = await TcpClient.open(port)
    await waitFor('idle close', () => c.closed, { timeoutMs: 3000 })
  })
  it('TCP: a zero-length frame closes the connection', async () => {
    const c = await TcpClient.open(port)
    c.writeRaw(Buffer.from([0, 0]))
    await waitFor('close', () => c.closed, { timeoutMs: 3000 })
  })
})

describe('per-source response rate limit (forced on for loopback)', () => {
  it('past the burst, replies are dropped or slipped as empty TC=1; TCP is not limited', async () => {
    const clock = new FakeClock()
    const view = sampleCatalog()
    const server = new Server(
      { logger: silentLogger(), view: () => view, now: clock.now },
      {
        udp: { port: 0 },
        tcp: { port: 0 },
        rateLimit: { enabled: true, responsesPerSecond: 1, burst: 3, slip: 2 },
      },
    )
    await server.start()
    const port = server.addresses().udp.port
    const c = await UdpClient.open(port)
    try {
      for (let i = 0; i < 3; i++) assert.equal((await c.ask(query(100 + i)))[3]! & 0xf, 0)
      // Next two: one dropped, one slipped (TC=1, no answers).
      c.send(query(200))
      const slipped = await c.ask(query(201))
      const d = dnsPacket.decode(slipped)
      assert.equal(d.flag_tc, true)
      assert.equal(d.answers!.length, 0)
      assert.equal(c.received.filter((b) => b.readUInt16BE(0) === 200).length, 0)
      // Time passes: a token comes back.
      clock.advance(1000)
      assert.equal((await c.ask(query(300))).readUInt16BE(0), 300)
      const t = await TcpClient.open(port)
      for (let i = 0; i < 10; i++) t.write(query(400 + i))
      await waitFor('10 TCP replies', () => t.replies.length === 10, { timeoutMs: 3000 })
      t.close()
    } finally {
      c.close()
      await server.stop()
    }
  })
})
