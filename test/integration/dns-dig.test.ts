import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { DnsServer } from '../../dns/server.ts'
import { dig, sampleCatalog, startServer } from '../dns/harness.ts'

/** Real `dig` (bind9-dnsutils) against a DnsServer on 127.0.0.1:<port 0>. */
describe('dig against DnsServer', { timeout: 60_000 }, () => {
  let server: DnsServer
  let port: number
  before(async () => {
    ;({ server, port } = await startServer(sampleCatalog(), { domains: ['grapevine', 'consul'] }))
  })
  after(async () => server.stop())

  const lines = (s: string) =>
    s
      .trim()
      .split('\n')
      .filter((l) => l !== '')
      .sort()

  it('A: the healthy instances only', async () => {
    assert.deepEqual(lines(await dig(port, ['web.service.grapevine', 'A', '+short'])), [
      '10.0.0.1',
      '10.0.0.2',
    ])
  })
  it('AAAA', async () =>
    assert.deepEqual(lines(await dig(port, ['db.service.grapevine', 'AAAA', '+short'])), ['2001:db8::5']))
  it('tag forms', async () => {
    assert.deepEqual(lines(await dig(port, ['v1.web.service.grapevine', '+short'])), ['10.0.0.1'])
    assert.deepEqual(lines(await dig(port, ['_web._v2.service.grapevine', '+short'])), ['10.0.0.2'])
  })
  it('SRV: targets resolvable, their addresses in the additional section', async () => {
    assert.deepEqual(lines(await dig(port, ['_web._tcp.service.grapevine', 'SRV', '+short'])), [
      '1 1 8080 alpha.node.grapevine.',
      '1 1 8081 beta.node.grapevine.',
    ])
    const additional = await dig(port, ['web.service.grapevine', 'SRV', '+noall', '+additional'])
    assert.match(additional, /alpha\.node\.grapevine\.\s+5\s+IN\s+A\s+10\.0\.0\.1/)
    assert.match(additional, /beta\.node\.grapevine\.\s+5\s+IN\s+A\s+10\.0\.0\.2/)
    assert.deepEqual(lines(await dig(port, ['alpha.node.grapevine', 'A', '+short'])), ['10.0.0.1'])
  })
  it('TXT: instance metadata', async () => {
    const out = await dig(port, ['v1.web.service.grapevine', 'TXT', '+short'])
    assert.match(out, /"id=web-1" "service=web" "node=alpha" "address=10.0.0.1" "port=8080"/)
    assert.match(out, /"zone=a"/)
  })
  it('PTR: reverse of a node address and of an instance address (v4 and v6)', async () => {
    assert.deepEqual(lines(await dig(port, ['-x', '10.0.0.2', '+short'])), [
      'beta.node.grapevine.',
      'web.service.grapevine.',
    ])
    assert.deepEqual(lines(await dig(port, ['-x', '2001:db8::5', '+short'])), [
      'alpha.node.grapevine.',
      'db.service.grapevine.',
    ])
  })
  it('NXDOMAIN with the SOA in authority, AA set, RA clear', async () => {
    const out = await dig(port, ['nope.service.grapevine', 'A'])
    assert.match(out, /status: NXDOMAIN/)
    assert.match(out, /flags: qr aa rd;/)
    assert.match(
      out,
      /AUTHORITY SECTION:\ngrapevine\.\s+2\s+IN\s+SOA\s+ns\.grapevine\. hostmaster\.grapevine\. 1 3600 600 86400 2/,
    )
  })
  it('NODATA: a known name without the type', async () => {
    const out = await dig(port, ['web.service.grapevine', 'MX'])
    assert.match(out, /status: NOERROR/)
    assert.match(out, /ANSWER: 0, AUTHORITY: 1/)
  })
  it('apex SOA and NS', async () => {
    assert.match(
      await dig(port, ['grapevine', 'SOA', '+short']),
      /^ns\.grapevine\. hostmaster\.grapevine\. 1 3600 600 86400 2/,
    )
    assert.equal((await dig(port, ['grapevine', 'NS', '+short'])).trim(), 'ns.grapevine.')
  })
  it('the alternative domain', async () => {
    assert.deepEqual(lines(await dig(port, ['web.service.consul', '+short'])), ['10.0.0.1', '10.0.0.2'])
  })
  it('0x20: the answer keeps the letter case of the question', async () => {
    const out = await dig(port, ['WeB.SeRvIcE.GrApEvInE', 'A', '+noall', '+answer'])
    assert.match(out, /^WeB\.SeRvIcE\.GrApEvInE\.\s/m)
  })
  it('outside the domain: REFUSED', async () =>
    assert.match(await dig(port, ['example.com', 'A']), /status: REFUSED/))
  it('truncation with 100 instances: TC over UDP, dig retries over TCP and gets all 100', async () => {
    const udpOnly = await dig(port, ['many.service.grapevine', 'A', '+ignore', '+noedns'])
    assert.match(udpOnly, /flags: qr aa tc rd;/)
    const n = Number(/ANSWER: (\d+)/.exec(udpOnly)![1])
    assert.ok(n > 0 && n < 100, `answers over plain UDP: ${n}`)
    const edns = await dig(port, ['many.service.grapevine', 'A', '+ignore', '+bufsize=1232'])
    const m = Number(/ANSWER: (\d+)/.exec(edns)![1])
    assert.ok(m > n && m < 100, `answers with EDNS 1232: ${m}`)
    const retried = await dig(port, ['many.service.grapevine', 'A'])
    assert.match(retried, /Truncated, retrying in TCP mode/)
    assert.match(retried, /ANSWER: 100,/)
    const srv = await dig(port, ['many.service.grapevine', 'SRV', '+tcp'])
    assert.match(srv, /ANSWER: 100, AUTHORITY: 0, ADDITIONAL: 101/)
  })
})
