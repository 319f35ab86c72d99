import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Answer } from 'dns-packet'
import type { CatalogView } from '../../crdt/view.ts'
import { domainLabels, parseName } from '../../dns/names.ts'
import { answerFor, type RecordSettings, type ZoneAnswer } from '../../dns/records.ts'
import { TYPE } from '../../dns/wire-constants.ts'
import { buildZoneIndex } from '../../dns/zone-index.ts'
import { instance, LOCAL, node, view } from './catalog-fixture.ts'

const settings: RecordSettings = {
  ttl: 5,
  negativeTtl: 2,
  nsAddresses: ['127.0.0.1'],
  primaryDomain: 'grapevine',
}
const domains = domainLabels(['grapevine', 'consul'])

function ask(v: CatalogView, name: string, qtype: number, allowWarning = true): ZoneAnswer | undefined {
  const labels = name.split('.')
  return answerFor(parseName(labels, domains), name, qtype, buildZoneIndex(v, { allowWarning }), settings)
}
const data = (a: ZoneAnswer | undefined) => a?.answers.map((e) => (e.record as { data: unknown }).data)
const types = (rs: readonly Answer[]) => rs.map((r) => r.type)

const catalog = view(
  [
    instance('web-1', {
      node: 'alpha',
      address: '10.0.0.1',
      port: 8080,
      tags: ['v1', 'Blue'],
      weight: 10,
      meta: { zone: 'a' },
      version: '1.2',
    }),
    instance('web-2', { node: 'beta', address: '10.0.0.2', port: 8081, tags: ['v2'], origin: LOCAL }),
    instance('web-3', { node: 'beta', address: '10.0.0.2', port: 8082, tags: ['v2'], origin: LOCAL }),
    instance('web-6', { node: 'alpha', address: '2001:db8::6', port: 8086 }),
    instance('web-warn', { node: 'alpha', address: '10.0.0.7', health: 'warning' }),
    instance('web-crit', { node: 'alpha', address: '10.0.0.8', health: 'critical', tags: ['dead'] }),
    instance('web-maint', { node: 'alpha', address: '10.0.0.9', health: 'maintenance' }),
    instance('web-nodedown', {
      node: 'gamma',
      address: '10.0.0.10',
      health: 'passing',
      effective: 'critical',
      nodeState: 'unreachable',
    }),
    instance('web-pod', { node: 'alpha', address: '172.16.0.5', port: 9000 }),
    instance('ext-1', { service: 'ext', node: 'alpha', address: 'db.internal', port: 5432 }),
    instance('down-1', { service: 'down', node: 'alpha', address: '10.0.1.1', health: 'critical' }),
  ],
  [
    node('alpha', ['10.0.0.1', '2001:db8::6'], { meta: { rack: 'r1' } }),
    node('beta', ['10.0.0.2']),
    node('gamma', ['10.0.0.10'], { state: 'unreachable' }),
    node('gone', ['10.0.0.99'], { state: 'left' }),
  ],
  42,
)

describe('records: service names', () => {
  it('A: healthy IPv4 addresses, one per address, warning included by default', () => {
    const a = ask(catalog, 'web.service.grapevine', TYPE.A)!
    assert.equal(a.rcode, 'NOERROR')
    assert.deepEqual(data(a)!.sort(), ['10.0.0.1', '10.0.0.2', '10.0.0.7', '172.16.0.5'])
    assert.equal(a.ordered, true)
    const shared = a.answers.find((e) => (e.record as { data: string }).data === '10.0.0.2')!
    assert.equal(shared.weight, 2, 'weights of instances sharing an address add up')
    assert.equal(shared.local, true)
  })
  it('A: warning excluded when allowWarning is false; critical/maintenance/unreachable never', () => {
    const a = ask(catalog, 'web.service.grapevine', TYPE.A, false)!
    assert.deepEqual(data(a)!.sort(), ['10.0.0.1', '10.0.0.2', '172.16.0.5'])
  })
  it('AAAA: IPv6 addresses only', () =>
    assert.deepEqual(data(ask(catalog, 'web.service.grapevine', TYPE.AAAA)), ['2001:db8::6']))
  it('SRV: node name target when the node owns the address, with its A/AAAA as additional', () => {
    const a = ask(catalog, 'web.service.grapevine', TYPE.SRV)!
    const e = a.answers.find((x) => (x.record as { data: { port: number } }).data.port === 8080)!
    assert.deepEqual((e.record as { data: unknown }).data, {
      priority: 1,
      weight: 10,
      port: 8080,
      target: 'alpha.node.grapevine',
    })
    assert.deepEqual(
      e.additional.map((r) => [r.name, r.type, (r as { data: string }).data]),
      [
        ['alpha.node.grapevine', 'A', '10.0.0.1'],
        ['alpha.node.grapevine', 'AAAA', '2001:db8::6'],
      ],
    )
  })
  it('SRV: an address no node owns gets a HEX.addr target that resolves', () => {
    const a = ask(catalog, 'web.service.grapevine', TYPE.SRV)!
    const e = a.answers.find((x) => (x.record as { data: { port: number } }).data.port === 9000)!
    assert.equal((e.record as { data: { target: string } }).data.target, 'ac100005.addr.grapevine')
    assert.deepEqual(
      e.additional.map((r) => (r as { data: string }).data),
      ['172.16.0.5'],
    )
    assert.deepEqual(data(ask(catalog, 'ac100005.addr.grapevine', TYPE.A)), ['172.16.0.5'])
  })
  it('SRV: a host-name address is the target itself, no additional', () => {
    const a = ask(catalog, 'ext.service.grapevine', TYPE.SRV)!
    assert.deepEqual(data(a), [{ priority: 1, weight: 1, port: 5432, target: 'db.internal' }])
    assert.deepEqual(data(ask(catalog, 'ext.service.grapevine', TYPE.A)), [])
  })
  it('SRV: priority from meta.priority', () => {
    const v = view([instance('p', { meta: { priority: '7' } })], [node('alpha', ['10.0.0.1'])])
    assert.equal(
      (ask(v, 'web.service.grapevine', TYPE.SRV)!.answers[0]!.record as { data: { priority: number } }).data
        .priority,
      7,
    )
  })
  it('tags: TAG.NAME, _NAME._TAG, case-insensitive; _tcp means all', () => {
    assert.deepEqual(data(ask(catalog, 'v2.web.service.grapevine', TYPE.A)), ['10.0.0.2'])
    assert.deepEqual(data(ask(catalog, '_web._v1.service.grapevine', TYPE.A)), ['10.0.0.1'])
    assert.deepEqual(data(ask(catalog, 'blue.web.service.grapevine', TYPE.A)), ['10.0.0.1'])
    assert.equal(ask(catalog, '_web._tcp.service.grapevine', TYPE.SRV)!.answers.length, 6)
  })
  it('TXT: one record per instance with its metadata', () => {
    const a = ask(catalog, 'v1.web.service.grapevine', TYPE.TXT)!
    const strings = (a.answers[0]!.record as { data: Buffer[] }).data.map((b) => b.toString())
    assert.deepEqual(strings, [
      'id=web-1',
      'service=web',
      'node=alpha',
      'address=10.0.0.1',
      'port=8080',
      'protocol=http',
      'health=passing',
      'weight=10',
      'version=1.2',
      'tags=v1,Blue',
      'zone=a',
    ])
  })
  it('TXT: strings longer than 255 octets continue in the next string', () => {
    const v = view([instance('big', { meta: { long: 'x'.repeat(400) } })])
    const strings = (ask(v, 'web.service.grapevine', TYPE.TXT)!.answers[0]!.record as { data: Buffer[] }).data
    assert.ok(strings.every((b) => b.length <= 255))
    assert.equal(Buffer.concat(strings.slice(-2)).toString(), `long=${'x'.repeat(400)}`)
  })
})

describe('records: rcodes (NXDOMAIN vs NODATA)', () => {
  const table: { name: string; qtype: number; rcode: 'NOERROR' | 'NXDOMAIN'; answers: number }[] = [
    { name: 'nope.service.grapevine', qtype: TYPE.A, rcode: 'NXDOMAIN', answers: 0 },
    { name: 'nope.web.service.grapevine', qtype: TYPE.A, rcode: 'NXDOMAIN', answers: 0 },
    { name: 'down.service.grapevine', qtype: TYPE.A, rcode: 'NOERROR', answers: 0 },
    { name: 'dead.web.service.grapevine', qtype: TYPE.A, rcode: 'NOERROR', answers: 0 },
    { name: 'web.service.grapevine', qtype: 15 /* MX */, rcode: 'NOERROR', answers: 0 },
    { name: 'web.service.grapevine', qtype: TYPE.PTR, rcode: 'NOERROR', answers: 0 },
    { name: 'ghost.node.grapevine', qtype: TYPE.A, rcode: 'NXDOMAIN', answers: 0 },
    { name: 'gone.node.grapevine', qtype: TYPE.A, rcode: 'NXDOMAIN', answers: 0 },
    { name: 'beta.node.grapevine', qtype: TYPE.AAAA, rcode: 'NOERROR', answers: 0 },
    { name: 'service.grapevine', qtype: TYPE.A, rcode: 'NOERROR', answers: 0 },
    { name: 'grapevine', qtype: TYPE.A, rcode: 'NOERROR', answers: 0 },
    { name: 'foo.grapevine', qtype: TYPE.A, rcode: 'NXDOMAIN', answers: 0 },
    { name: '0a0000ff.addr.grapevine', qtype: TYPE.A, rcode: 'NXDOMAIN', answers: 0 },
    { name: '0a000001.addr.grapevine', qtype: TYPE.AAAA, rcode: 'NOERROR', answers: 0 },
  ]
  for (const row of table) {
    it(`${row.name} type ${row.qtype} -> ${row.rcode}${row.rcode === 'NOERROR' ? '/NODATA' : ''} with SOA`, () => {
      const a = ask(catalog, row.name, row.qtype)!
      assert.equal(a.rcode, row.rcode)
      assert.equal(a.answers.length, row.answers)
      assert.deepEqual(types(a.authority), ['SOA'])
      const soa = a.authority[0] as { name: string; ttl: number; data: { minimum: number; serial: number } }
      assert.equal(soa.name, 'grapevine')
      assert.equal(soa.ttl, 2, 'negative TTL = SOA TTL')
      assert.equal(soa.data.minimum, 2, 'negative TTL = SOA minimum')
      assert.equal(soa.data.serial, 42, 'serial = catalog index')
    })
  }
  it('names outside the domains are not ours', () =>
    assert.equal(ask(catalog, 'example.com', TYPE.A), undefined))
  it('the alternative domain answers with its own names', () => {
    const a = ask(catalog, 'web.service.consul', TYPE.SRV)!
    assert.ok(
      a.answers.every((e) => (e.record as { data: { target: string } }).data.target.endsWith('.consul')),
    )
    assert.equal(
      (ask(catalog, 'nope.service.consul', TYPE.A)!.authority[0] as { name: string }).name,
      'consul',
    )
  })
})

describe('records: nodes, apex, PTR, ANY', () => {
  it('node A/AAAA/TXT', () => {
    assert.deepEqual(data(ask(catalog, 'ALPHA.node.grapevine'.toLowerCase(), TYPE.A)), ['10.0.0.1'])
    assert.deepEqual(data(ask(catalog, 'alpha.node.grapevine', TYPE.AAAA)), ['2001:db8::6'])
    const txt = (
      ask(catalog, 'alpha.node.grapevine', TYPE.TXT)!.answers[0]!.record as { data: Buffer[] }
    ).data.map(String)
    assert.deepEqual(txt, [
      'node=alpha',
      'state=alive',
      'maintenance=false',
      'agent_version=0.1.0',
      'rack=r1',
    ])
  })
  it('apex SOA and NS; ns.DOMAIN resolves', () => {
    assert.deepEqual(types(ask(catalog, 'grapevine', TYPE.SOA)!.answers.map((e) => e.record)), ['SOA'])
    const ns = ask(catalog, 'grapevine', TYPE.NS)!
    assert.deepEqual(data(ns), ['ns.grapevine'])
    assert.deepEqual(
      ns.answers[0]!.additional.map((r) => (r as { data: string }).data),
      ['127.0.0.1'],
    )
    assert.deepEqual(data(ask(catalog, 'ns.grapevine', TYPE.A)), ['127.0.0.1'])
  })
  it('PTR for node and instance addresses; unknown addresses are not ours', () => {
    assert.deepEqual(data(ask(catalog, '1.0.0.10.in-addr.arpa', TYPE.PTR)), [
      'alpha.node.grapevine',
      'web.service.grapevine',
    ])
    assert.deepEqual(data(ask(catalog, '5.0.16.172.in-addr.arpa', TYPE.PTR)), ['web.service.grapevine'])
    const v6 = '6.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa'
    assert.deepEqual(data(ask(catalog, v6, TYPE.PTR)), ['alpha.node.grapevine', 'web.service.grapevine'])
    assert.equal(ask(catalog, '8.0.0.10.in-addr.arpa', TYPE.PTR), undefined, 'critical instance address')
    assert.equal(ask(catalog, '99.0.0.10.in-addr.arpa', TYPE.PTR), undefined, 'node that left')
  })
  it('ANY answers one RRset (RFC 8482)', () => {
    assert.deepEqual(types(ask(catalog, 'web.service.grapevine', TYPE.ANY)!.answers.map((e) => e.record)), [
      'A',
      'A',
      'A',
      'A',
    ])
    assert.deepEqual(types(ask(catalog, 'ext.service.grapevine', TYPE.ANY)!.answers.map((e) => e.record)), [
      'SRV',
    ])
    assert.deepEqual(types(ask(catalog, 'grapevine', TYPE.ANY)!.answers.map((e) => e.record)), ['SOA'])
    assert.equal(ask(catalog, 'nope.service.grapevine', TYPE.ANY)!.rcode, 'NXDOMAIN')
  })
})
