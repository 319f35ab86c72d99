import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { domainLabels, type NameQuery, parseName } from '../../dns/names.ts'

const domains = domainLabels(['grapevine', 'consul', 'sd.example.org'])
const L = (name: string) => (name === '' ? [] : name.split('.'))

describe('parseName: one row per name form', () => {
  const table: { name: string; labels?: string[]; want: NameQuery }[] = [
    { name: 'grapevine', want: { kind: 'apex', domain: 'grapevine' } },
    { name: 'ns.grapevine', want: { kind: 'ns', domain: 'grapevine' } },
    { name: 'service.grapevine', want: { kind: 'structural', domain: 'grapevine' } },
    { name: 'node.grapevine', want: { kind: 'structural', domain: 'grapevine' } },
    { name: 'addr.grapevine', want: { kind: 'structural', domain: 'grapevine' } },
    { name: 'web.service.grapevine', want: { kind: 'service', domain: 'grapevine', service: 'web' } },
    {
      name: 'v2.web.service.grapevine',
      want: { kind: 'service', domain: 'grapevine', service: 'web', tag: 'v2' },
    },
    {
      name: '_web._v2.service.grapevine',
      want: { kind: 'service', domain: 'grapevine', service: 'web', tag: 'v2' },
    },
    { name: '_web._tcp.service.grapevine', want: { kind: 'service', domain: 'grapevine', service: 'web' } },
    { name: '_web._udp.service.grapevine', want: { kind: 'service', domain: 'grapevine', service: 'web' } },
    { name: 'alpha.node.grapevine', want: { kind: 'node', domain: 'grapevine', node: 'alpha' } },
    { name: '0a000001.addr.grapevine', want: { kind: 'addr', domain: 'grapevine', ip: '10.0.0.1' } },
    {
      name: '20010db8000000000000000000000001.addr.grapevine',
      want: { kind: 'addr', domain: 'grapevine', ip: '2001:db8::1' },
    },
    { name: 'web.service.consul', want: { kind: 'service', domain: 'consul', service: 'web' } },
    {
      name: 'web.service.sd.example.org',
      want: { kind: 'service', domain: 'sd.example.org', service: 'web' },
    },
    { name: '1.0.0.10.in-addr.arpa', want: { kind: 'reverse', ip: '10.0.0.1' } },
    {
      name: '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa',
      want: { kind: 'reverse', ip: '2001:db8::1' },
    },
    // Not a form: in the domain -> unknown (NXDOMAIN); outside -> outside.
    { name: 'web.grapevine', want: { kind: 'unknown', domain: 'grapevine' } },
    { name: '_web.service.grapevine', want: { kind: 'unknown', domain: 'grapevine' } },
    { name: '_web.v2.service.grapevine', want: { kind: 'unknown', domain: 'grapevine' } },
    { name: '__._tcp.service.grapevine', want: { kind: 'service', domain: 'grapevine', service: '_' } },
    { name: '_._tcp.service.grapevine', want: { kind: 'unknown', domain: 'grapevine' } },
    { name: 'a.b.web.service.grapevine', want: { kind: 'unknown', domain: 'grapevine' } },
    { name: 'zz.addr.grapevine', want: { kind: 'unknown', domain: 'grapevine' } },
    { name: 'x.other.grapevine', want: { kind: 'unknown', domain: 'grapevine' } },
    { name: 'example.com', want: { kind: 'outside' } },
    { name: '', want: { kind: 'outside' } },
    { name: 'grapevine.com', want: { kind: 'outside' } },
    { name: '300.0.0.10.in-addr.arpa', want: { kind: 'outside' } },
    { name: '0.10.in-addr.arpa', want: { kind: 'outside' } },
    // A label containing a dot is one label: never re-split into web + service.
    {
      name: 'web.service\\.grapevine',
      labels: ['web.service', 'grapevine'],
      want: { kind: 'unknown', domain: 'grapevine' },
    },
    { name: 'web\\.service.grapevine', labels: ['web', 'service.grapevine'], want: { kind: 'outside' } },
  ]
  for (const row of table) {
    it(`${row.name || '(root)'} -> ${row.want.kind}`, () => {
      assert.deepEqual(parseName(row.labels ?? L(row.name), domains), row.want)
    })
  }
  it('prefers the longest matching domain', () => {
    const d = domainLabels(['org', 'example.org'])
    assert.deepEqual(parseName(L('web.service.example.org'), d), {
      kind: 'service',
      domain: 'example.org',
      service: 'web',
    })
  })
})
