import assert from 'node:assert/strict'
import { createSocket, type Socket } from 'node:dgram'
import { connect, createServer, type Server } from 'node:net'
import { after, before, describe, it } from 'node:test'
import dnsPacket, { type DecodedPacket } from 'dns-packet'
import { sampleCatalog, startServer } from '../dns/harness.ts'

type Mode = 'answer' | 'servfail' | 'silent'

/** A fake upstream on 127.0.0.1:<0> (UDP and TCP) that answers example.com with 192.0.2.<n>. */
class FakeUpstream {
  readonly mode: Mode
  readonly n: number
  udp!: Socket
  tcp!: Server
  port = 0
  seen: DecodedPacket[] = []
  seenTcp = 0
  constructor(mode: Mode, n: number) {
    this.mode = mode
    this.n = n
  }
  reply(msg: Buffer): Buffer | undefined {
    const q = dnsPacket.decode(msg)
    this.seen.push(q)
    if (this.mode === 'silent') return undefined
    return dnsPacket.encode({
      id: q.id,
      type: 'response',
      flags: dnsPacket.RECURSION_AVAILABLE | (this.mode === 'servfail' ? 2 : 0),
      questions: q.questions,
      answers:
        this.mode === 'answer'
          ? [{ type: 'A', name: q.questions![0]!.name, ttl: 60, data: `192.0.2.${this.n}` }]
          : [],
    })
  }
  async start(): Promise<void> {
    this.udp = createSocket('udp4')
    await new Promise<void>((r) => this.udp.bind(0, '127.0.0.1', () => r()))
    this.port = this.udp.address().port
    this.udp.on('message', (msg, rinfo) => {
      const out = this.reply(msg)
      if (out) this.udp.send(out, rinfo.port, rinfo.address)
    })
    this.tcp = createServer((s) => {
      s.on('data', (d: Buffer) => {
        this.seenTcp++
        const out = this.reply(d.subarray(2, 2 + d.readUInt16BE(0)))
        if (!out) return
        const len = Buffer.alloc(2)
        len.writeUInt16BE(out.length)
        s.write(Buffer.concat([len, out]))
      })
      s.on('error', () => {})
    })
    await new Promise<void>((r) => this.tcp.listen(this.port, '127.0.0.1', () => r()))
  }
  async stop(): Promise<void> {
    await new Promise<void>((r) => this.udp.close(() => r()))
    await new Promise<void>((r) => this.tcp.close(() => r()))
  }
}

async function queryUdp(port: number, name: string): Promise<DecodedPacket> {
  const sock = createSocket('udp4')
  try {
    return await new Promise<DecodedPacket>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no reply in 5 s')), 5000)
      sock.on('message', (m) => {
        clearTimeout(t)
        resolve(dnsPacket.decode(m))
      })
      sock.send(
        dnsPacket.encode({
          id: 99,
          type: 'query',
          flags: dnsPacket.RECURSION_DESIRED,
          questions: [{ type: 'A', name }],
        }),
        port,
        '127.0.0.1',
      )
    })
  } finally {
    sock.close()
  }
}

describe('forwarding to recursors', { timeout: 60_000 }, () => {
  const silent = new FakeUpstream('silent', 1)
  const failing = new FakeUpstream('servfail', 2)
  const good = new FakeUpstream('answer', 3)
  const stops: (() => Promise<void>)[] = []
  before(async () => {
    for (const u of [silent, failing, good]) await u.start()
  })
  after(async () => {
    for (const s of stops) await s()
    for (const u of [silent, failing, good]) await u.stop()
  })

  it('tries the next recursor on timeout and on SERVFAIL; the first good reply wins, ID restored', async () => {
    const { server, port } = await startServer(sampleCatalog(), {
      recursors: [`127.0.0.1:${silent.port}`, `127.0.0.1:${failing.port}`, `127.0.0.1:${good.port}`],
      recursorTimeoutMs: 200,
    })
    stops.push(() => server.stop())
    const r = await queryUdp(port, 'Example.COM')
    assert.equal(r.id, 99)
    assert.equal((r as unknown as { rcode: string }).rcode, 'NOERROR')
    assert.deepEqual(
      r.answers!.map((a) => (a as { data: string }).data),
      ['192.0.2.3'],
    )
    assert.equal(r.questions![0]!.name, 'Example.COM')
    assert.ok(silent.seen.length >= 1 && failing.seen.length >= 1 && good.seen.length >= 1)
    assert.notEqual(good.seen.at(-1)!.id, 99, 'a fresh ID goes upstream')
  })
  it('our own names are never forwarded', async () => {
    const before = good.seen.length
    const { server, port } = await startServer(sampleCatalog(), { recursors: [`127.0.0.1:${good.port}`] })
    stops.push(() => server.stop())
    const r = await queryUdp(port, 'nope.service.grapevine')
    assert.equal((r as unknown as { rcode: string }).rcode, 'NXDOMAIN')
    assert.equal(good.seen.length, before)
  })
  it('unknown reverse names are forwarded', async () => {
    const { server, port } = await startServer(sampleCatalog(), { recursors: [`127.0.0.1:${good.port}`] })
    stops.push(() => server.stop())
    const before = good.seen.length
    await queryUdp(port, '9.9.9.9.in-addr.arpa')
    assert.equal(good.seen.length, before + 1)
  })
  it('SERVFAIL when every recursor fails', async () => {
    const { server, port } = await startServer(sampleCatalog(), {
      recursors: [`127.0.0.1:${silent.port}`, `127.0.0.1:${failing.port}`],
      recursorTimeoutMs: 150,
    })
    stops.push(() => server.stop())
    const r = await queryUdp(port, 'example.com')
    assert.equal((r as unknown as { rcode: string }).rcode, 'SERVFAIL')
    assert.equal(r.id, 99)
    assert.equal(r.flag_aa, false)
  })
  it('over TCP the query is forwarded over TCP', async () => {
    const { server, port } = await startServer(sampleCatalog(), { recursors: [`127.0.0.1:${good.port}`] })
    stops.push(() => server.stop())
    const before = good.seenTcp
    const msg = dnsPacket.encode({ id: 7, type: 'query', questions: [{ type: 'A', name: 'example.com' }] })
    const reply = await new Promise<Buffer>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port }, () =>
        s.write(Buffer.concat([Buffer.from([msg.length >> 8, msg.length & 255]), msg])),
      )
      const t = setTimeout(() => reject(new Error('no TCP reply in 5 s')), 5000)
      s.on('data', (d: Buffer) => {
        clearTimeout(t)
        s.destroy()
        resolve(d.subarray(2))
      })
      s.on('error', reject)
    })
    const r = dnsPacket.decode(reply)
    assert.equal(r.id, 7)
    assert.deepEqual(
      r.answers!.map((a) => (a as { data: string }).data),
      ['192.0.2.3'],
    )
    assert.equal(good.seenTcp, before + 1)
  })
  it('a recursor with nothing listening fails fast (ICMP refused), not after the timeout', async () => {
    const closed = createSocket('udp4')
    await new Promise<void>((r) => closed.bind(0, '127.0.0.1', () => r()))
    const deadPort = closed.address().port
    await new Promise<void>((r) => closed.close(() => r()))
    const { server, port } = await startServer(sampleCatalog(), {
      recursors: [`127.0.0.1:${deadPort}`, `127.0.0.1:${good.port}`],
      recursorTimeoutMs: 10_000,
    })
    stops.push(() => server.stop())
    const t = performance.now()
    const r = await queryUdp(port, 'example.com')
    assert.deepEqual(
      r.answers!.map((a) => (a as { data: string }).data),
      ['192.0.2.3'],
    )
    assert.ok(performance.now() - t < 3000)
  })
  it('without recursors: REFUSED', async () => {
    const { server, port } = await startServer(sampleCatalog())
    stops.push(() => server.stop())
    assert.equal(((await queryUdp(port, 'example.com')) as unknown as { rcode: string }).rcode, 'REFUSED')
  })
})
