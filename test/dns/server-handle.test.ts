import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import dnsPacket, { type DecodedPacket, type Packet } from 'dns-packet'
import type { CatalogView } from '../../crdt/view.ts'
import type { DnsServerInit } from '../../dns/options.ts'
import { questionHash } from '../../dns/query.ts'
import { DnsServer } from '../../dns/server.ts'
import { fleet, instance, LOCAL, node, seededRandom, silentLogger, view } from './catalog-fixture.ts'

const SRC = { address: '127.0.0.1', port: 5353 }

function server(v: () => CatalogView, init: DnsServerInit = {}) {
  return new DnsServer(
    { logger: silentLogger(), view: v, random: seededRandom(1) },
    { udp: { port: 0 }, tcp: { port: 0 }, ...init },
  )
}
async function ask(
  s: DnsServer,
  bytes: Uint8Array,
  transport: 'udp' | 'tcp' = 'udp',
): Promise<Buffer | undefined> {
  const out = await s.handle(bytes, transport, SRC).outcome
  return out.kind === 'reply' ? Buffer.from(out.bytes) : undefined
}
function q(
  name: string,
  type: string,
  opts: Partial<Packet> & { edns?: number; dnssecOk?: boolean } = {},
): Buffer {
  const { edns, dnssecOk, ...rest } = opts
  const additionals =
    edns === undefined
      ? []
      : [{ type: 'OPT', name: '.', udpPayloadSize: edns, flags: dnssecOk ? dnsPacket.DNSSEC_OK : 0 } as never]
  return dnsPacket.encode({
    id: 4242,
    type: 'query',
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type: type as never, name }],
    additionals,
    ...rest,
  })
}
const decode = (b: Buffer | undefined): DecodedPacket => dnsPacket.decode(b!)
const rcodeOf = (b: Buffer) => b[3]! & 0x0f

const base = view(
  [instance('web-1', { address: '10.0.0.1' }), instance('web-2', { node: 'beta', address: '10.0.0.2' })],
  [node('alpha', ['10.0.0.1']), node('beta', ['10.0.0.2'])],
)
const big = fleet('big', 100)
const bigView = view([...base.instances(), ...big.instances], [...base.nodes(), ...big.nodes])

describe('DnsServer.handle: header flags', () => {
  const s = server(() => base)
  const table: { name: string; query: Buffer; rcode: number; aa: boolean }[] = [
    { name: 'answer', query: q('web.service.grapevine', 'A'), rcode: 0, aa: true },
    { name: 'NODATA', query: q('web.service.grapevine', 'MX'), rcode: 0, aa: true },
    { name: 'NXDOMAIN', query: q('nope.service.grapevine', 'A'), rcode: 3, aa: true },
    { name: 'outside (REFUSED)', query: q('example.com', 'A'), rcode: 5, aa: false },
  ]
  for (const row of table) {
    for (const rd of [true, false]) {
      it(`${row.name}, RD=${rd}: QR, AA=${row.aa}, RA clear, RD echoed, rcode ${row.rcode}`, async () => {
        const query = Buffer.from(row.query)
        if (!rd) query[2] = query[2]! & ~1
        const r = decode(await ask(s, query))
        assert.equal(r.id, 4242)
        assert.equal(r.flag_qr, true)
        assert.equal(r.flag_aa, row.aa)
        assert.equal(r.flag_ra, false)
        assert.equal(r.flag_rd, rd)
        assert.equal(r.flag_tc, false)
        assert.equal(
          (r as unknown as { rcode: string }).rcode,
          ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'][row.rcode],
        )
      })
    }
  }
  it('CD is echoed', async () => {
    const r = decode(await ask(s, q('web.service.grapevine', 'A', { flags: dnsPacket.CHECKING_DISABLED })))
    assert.equal(r.flag_cd, true)
    assert.equal(r.flag_rd, false)
  })
  it('the question letter case is echoed (0x20), in the question and the answer owner', async () => {
    const r = decode(await ask(s, q('wEb.SeRvIcE.gRaPeViNe', 'A')))
    assert.equal(r.questions![0]!.name, 'wEb.SeRvIcE.gRaPeViNe')
    assert.ok(r.answers!.every((a) => a.name === 'wEb.SeRvIcE.gRaPeViNe'))
  })
  it('NXDOMAIN carries the SOA; its TTL and minimum are the negative TTL', async () => {
    const r = decode(
      await ask(
        server(() => base, { negativeTtl: 7 }),
        q('nope.service.grapevine', 'A'),
      ),
    )
    const soa = r.authorities![0] as { type: string; name: string; ttl: number; data: { minimum: number } }
    assert.equal(soa.type, 'SOA')
    assert.equal(soa.name, 'grapevine')
    assert.equal(soa.ttl, 7)
    assert.equal(soa.data.minimum, 7)
  })
})

describe('DnsServer.handle: rcodes for hostile or unsupported queries', () => {
  const s = server(() => base)
  it('QR=1 is dropped', async () => {
    const b = q('web.service.grapevine', 'A')
    b[2] = b[2]! | 0x80
    assert.equal(await ask(s, b), undefined)
  })
  it('short message is dropped', async () => assert.equal(await ask(s, Buffer.from([1, 2, 3])), undefined))
  it('FORMERR is header-only with the ID echoed', async () => {
    const b = q('web.service.grapevine', 'A')
    b.writeUInt16BE(2, 4) // QDCOUNT 2
    const r = await ask(s, b)
    assert.equal(r!.length, 12)
    assert.equal(r!.readUInt16BE(0), 4242)
    assert.equal(rcodeOf(r!), 1)
    assert.equal(r![2]! & 0x80, 0x80)
  })
  it('NOTIMP for another opcode, opcode echoed', async () => {
    const b = q('web.service.grapevine', 'A')
    b[2] = (b[2]! & 0x87) | (4 << 3)
    const r = await ask(s, b)
    assert.equal(rcodeOf(r!), 4)
    assert.equal((r![2]! >> 3) & 0xf, 4)
  })
  it('BADVERS for EDNS version 1, with an OPT carrying extended rcode 1', async () => {
    const b = q('web.service.grapevine', 'A', { edns: 1232 })
    b[b.length - 5] = 1 // version byte of the OPT TTL
    const r = await ask(s, b)
    assert.equal(rcodeOf(r!), 0)
    const opt = decode(r).additionals![0] as unknown as { type: string; extendedRcode: number }
    assert.equal(opt.type, 'OPT')
    assert.equal(opt.extendedRcode, 1)
  })
  const refused: [string, Buffer][] = [
    [
      'class CH',
      q('version.bind', 'TXT', { questions: [{ name: 'version.bind', type: 'TXT', class: 'CH' }] }),
    ],
    ['AXFR', q('grapevine', 'AXFR')],
    ['IXFR', q('grapevine', 'IXFR')],
    ['outside the domain', q('example.com', 'A')],
    ['unknown reverse', q('9.9.9.9.in-addr.arpa', 'PTR')],
  ]
  for (const [name, b] of refused) {
    it(`${name} -> REFUSED with the question echoed`, async () => {
      const r = await ask(s, b)
      assert.equal(rcodeOf(r!), 5)
      assert.equal(decode(r).questions!.length, 1)
    })
  }
  it('chain order: class CH for a name in our zone is REFUSED (unsupported runs before zone)', async () => {
    const r = await ask(
      s,
      q('web.service.grapevine', 'A', {
        questions: [{ name: 'web.service.grapevine', type: 'A', class: 'CH' }],
      }),
    )
    assert.equal(rcodeOf(r!), 5)
  })
  it('class ANY is answered like IN', async () => {
    const r = await ask(
      s,
      q('web.service.grapevine', 'A', {
        questions: [{ name: 'web.service.grapevine', type: 'A', class: 'ANY' }],
      }),
    )
    assert.equal(rcodeOf(r!), 0)
    assert.equal(decode(r).answers!.length, 2)
  })
  it('a question of type OPT -> FORMERR', async () =>
    assert.equal(rcodeOf((await ask(s, q('grapevine', 'OPT')))!), 1))
  it('a label containing a dot is not re-split', async () => {
    const b = Buffer.from([
      ...Buffer.from(q('x', 'A').subarray(0, 12)),
      11,
      ...Buffer.from('web.service'),
      9,
      ...Buffer.from('grapevine'),
      0,
      0,
      1,
      0,
      1,
    ])
    const r = await ask(s, b)
    assert.equal(rcodeOf(r!), 3)
  })
})

describe('DnsServer.handle: EDNS0 and truncation', () => {
  const s = server(() => bigView)
  it('no EDNS: at most 512 bytes, as many records as fit, TC set, no OPT', async () => {
    const r = (await ask(s, q('big.service.grapevine', 'A')))!
    assert.ok(r.length <= 512)
    assert.ok(r.length + 16 > 512, 'one more A record (16 bytes) would not fit')
    const d = decode(r)
    assert.equal(d.flag_tc, true)
    assert.equal(d.answers!.length, 29)
    assert.equal(d.additionals!.length, 0)
  })
  it('EDNS 4096 is capped at maxUdpSize (1232); OPT echoes our size and DO', async () => {
    const r = (await ask(s, q('big.service.grapevine', 'A', { edns: 4096, dnssecOk: true })))!
    assert.ok(r.length <= 1232 && r.length + 16 > 1232, `length ${r.length}`)
    const d = decode(r)
    assert.equal(d.flag_tc, true)
    const opt = d.additionals!.find((a) => a.type === 'OPT') as unknown as {
      udpPayloadSize: number
      flag_do: boolean
    }
    assert.equal(opt.udpPayloadSize, 1232)
    assert.equal(opt.flag_do, true)
  })
  it('EDNS size below 512 counts as 512', async () => {
    const r = (await ask(s, q('big.service.grapevine', 'A', { edns: 100 })))!
    assert.ok(r.length <= 512 && r.length > 400)
  })
  it('everything fits: no TC', async () => {
    const d = decode(await ask(s, q('web.service.grapevine', 'A')))
    assert.equal(d.flag_tc, false)
    assert.equal(d.answers!.length, 2)
  })
  it('TCP returns all 100, no TC', async () => {
    const d = decode(await ask(s, q('big.service.grapevine', 'A'), 'tcp'))
    assert.equal(d.flag_tc, false)
    assert.equal(d.answers!.length, 100)
  })
  it('SRV over TCP: every target with its address in additional', async () => {
    const d = decode(await ask(s, q('big.service.grapevine', 'SRV'), 'tcp'))
    assert.equal(d.answers!.length, 100)
    const targets = new Set(d.answers!.map((a) => (a as { data: { target: string } }).data.target))
    const additional = new Set(d.additionals!.filter((a) => a.type === 'A').map((a) => a.name))
    assert.deepEqual([...targets].sort(), [...additional].sort())
  })
  it('SRV over UDP: the additional records of the SRVs that fit, TC set', async () => {
    const d = decode(await ask(s, q('big.service.grapevine', 'SRV', { edns: 1232 })))
    assert.equal(d.flag_tc, true)
    assert.ok(d.answers!.length > 5)
  })
  it('maxUdpSize is honoured when larger', async () => {
    const s2 = server(() => bigView, { maxUdpSize: 4096 })
    const r = (await ask(s2, q('big.service.grapevine', 'A', { edns: 4096 })))!
    assert.ok(r.length > 1232 && r.length <= 4096)
  })
})

describe('DnsServer.handle: answers computed once per catalog change', () => {
  it('repeated queries hit the cache; a new view index recomputes', async () => {
    let current = base
    const s = server(() => current)
    for (let i = 0; i < 50; i++)
      await ask(s, q(i % 2 ? 'WEB.service.grapevine' : 'web.service.grapevine', 'A'))
    assert.equal(s.answersComputed, 1, 'letter case does not split the cache')
    await ask(s, q('web.service.grapevine', 'SRV'))
    assert.equal(s.answersComputed, 2)
    current = view([instance('web-9', { address: '10.9.9.9' })], [], 2)
    const d = decode(await ask(s, q('web.service.grapevine', 'A')))
    assert.deepEqual(
      d.answers!.map((a) => (a as { data: string }).data),
      ['10.9.9.9'],
    )
    assert.equal(s.answersComputed, 3)
  })
  it('order still changes per query (shuffled from the cached answer)', async () => {
    const s = server(() => bigView)
    const firsts = new Set<string>()
    for (let i = 0; i < 20; i++)
      firsts.add(
        (decode(await ask(s, q('big.service.grapevine', 'A'), 'tcp')).answers![0] as { data: string }).data,
      )
    assert.ok(firsts.size > 5)
    assert.equal(s.answersComputed, 1)
  })
})

describe('DnsServer.handle: the answer cache is keyed by a hash, confirmed by the name', () => {
  /** Two service names whose questions share a hash (found by search; 30 bits collide quickly). */
  function collidingServices(): [string, string] {
    const seen = new Map<number, string>()
    for (let i = 0; ; i++) {
      const name = `s${i}`
      const wire = q(`${name}.service.grapevine`, 'A')
      const h = questionHash(wire, 12, wire.length - 4, 1)
      const other = seen.get(h)
      if (other !== undefined) return [other, name]
      seen.set(h, name)
    }
  }
  it('two names with one hash each get their own answer', async () => {
    const [a, b] = collidingServices()
    const v = view(
      [
        instance(`${a}-1`, { service: a, address: '10.1.0.1' }),
        instance(`${b}-1`, { service: b, address: '10.2.0.1' }),
      ],
      [node('alpha', ['10.0.0.1'])],
    )
    const s = server(() => v)
    const addressOf = async (name: string) =>
      (decode(await ask(s, q(`${name}.service.grapevine`, 'A'))).answers![0] as { data: string }).data
    for (let i = 0; i < 3; i++) {
      assert.equal(await addressOf(a), '10.1.0.1')
      assert.equal(await addressOf(b), '10.2.0.1')
    }
    assert.equal(s.answersComputed, 2, 'both answers cached, neither overwrote the other')
  })
  it('the hash ignores letter case and depends on the type', () => {
    const lower = q('web.service.grapevine', 'A')
    const mixed = q('wEb.SERVICE.grapevine', 'A')
    const end = lower.length - 4
    assert.equal(questionHash(lower, 12, end, 1), questionHash(mixed, 12, end, 1))
    assert.notEqual(questionHash(lower, 12, end, 1), questionHash(lower, 12, end, 28))
  })
})

describe('DnsServer.handle: policy options', () => {
  const mixed = view(
    [
      instance('remote-heavy', { address: '10.0.0.1', weight: 1000 }),
      instance('local', { address: '10.0.0.2', origin: LOCAL }),
      instance('warn', { address: '10.0.0.3', health: 'warning' }),
    ],
    [],
  )
  const firsts = async (s: DnsServer) => {
    const seen = new Set<string>()
    for (let i = 0; i < 30; i++)
      seen.add((decode(await ask(s, q('web.service.grapevine', 'A'))).answers![0] as { data: string }).data)
    return [...seen].sort()
  }
  it('preferLocal: the local instance always comes first', async () => {
    assert.deepEqual(await firsts(server(() => mixed, { preferLocal: true })), ['10.0.0.2'])
  })
  it('without preferLocal the heavy remote instance usually wins', async () => {
    assert.ok((await firsts(server(() => mixed))).includes('10.0.0.1'))
  })
  it('allowWarning false drops warning instances; true keeps them', async () => {
    const data = async (s: DnsServer) =>
      decode(await ask(s, q('web.service.grapevine', 'A')))
        .answers!.map((a) => (a as { data: string }).data)
        .sort()
    assert.deepEqual(await data(server(() => mixed, { allowWarning: false })), ['10.0.0.1', '10.0.0.2'])
    assert.deepEqual(await data(server(() => mixed)), ['10.0.0.1', '10.0.0.2', '10.0.0.3'])
  })
  it('ttl option is the TTL of answers', async () => {
    const d = decode(
      await ask(
        server(() => mixed, { ttl: 30 }),
        q('web.service.grapevine', 'A'),
      ),
    )
    assert.ok(d.answers!.every((a) => (a as { ttl?: number }).ttl === 30))
  })
})
