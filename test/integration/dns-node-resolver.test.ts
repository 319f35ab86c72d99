import assert from 'node:assert/strict'
import { Resolver } from 'node:dns/promises'
import { after, before, describe, it } from 'node:test'
import type { DnsServer } from '../../dns/server.ts'
import { sampleCatalog, startServer } from '../dns/harness.ts'

/** Node's own resolver (c-ares) pointed at the port: no client library, as any program would. */
describe("Node's dns.Resolver against DnsServer", { timeout: 60_000 }, () => {
  let server: DnsServer
  let resolver: Resolver
  before(async () => {
    const started = await startServer(sampleCatalog())
    server = started.server
    resolver = new Resolver({ timeout: 2000, tries: 1 })
    resolver.setServers([`127.0.0.1:${started.port}`])
  })
  after(async () => {
    resolver.cancel()
    await server.stop()
  })

  it('resolve4', async () =>
    assert.deepEqual((await resolver.resolve4('web.service.grapevine')).sort(), ['10.0.0.1', '10.0.0.2']))
  it('resolve6', async () =>
    assert.deepEqual(await resolver.resolve6('db.service.grapevine'), ['2001:db8::5']))
  it('resolveSrv', async () => {
    const srv = (await resolver.resolveSrv('_web._tcp.service.grapevine'))
      .map(({ name, port, priority, weight }) => ({ name, port, priority, weight }))
      .sort((a, b) => a.port - b.port)
    assert.deepEqual(srv, [
      { name: 'alpha.node.grapevine', port: 8080, priority: 1, weight: 1 },
      { name: 'beta.node.grapevine', port: 8081, priority: 1, weight: 1 },
    ])
  })
  it('resolveTxt', async () => {
    const txt = await resolver.resolveTxt('v1.web.service.grapevine')
    assert.equal(txt.length, 1)
    assert.ok(txt[0]!.includes('id=web-1'))
    assert.ok(txt[0]!.includes('zone=a'))
  })
  it('reverse (PTR)', async () => {
    assert.deepEqual((await resolver.reverse('10.0.0.1')).sort(), [
      'alpha.node.grapevine',
      'web.service.grapevine',
    ])
  })
  it('NXDOMAIN -> ENOTFOUND', async () => {
    await assert.rejects(
      resolver.resolve4('nope.service.grapevine'),
      (e: NodeJS.ErrnoException) => e.code === 'ENOTFOUND',
    )
  })
  it('NODATA -> ENODATA', async () => {
    await assert.rejects(
      resolver.resolve6('web.service.grapevine'),
      (e: NodeJS.ErrnoException) => e.code === 'ENODATA',
    )
  })
  it('truncation with 100 instances: c-ares retries over TCP and gets all 100', async () => {
    const all = await resolver.resolve4('many.service.grapevine')
    assert.equal(all.length, 100)
    assert.equal(new Set(all).size, 100)
    const srv = await resolver.resolveSrv('many.service.grapevine')
    assert.equal(srv.length, 100)
  })
})
