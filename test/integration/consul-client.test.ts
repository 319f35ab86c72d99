import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import Consul from 'consul'
import { AgentProcess } from '../helpers/agent-process.ts'
import { waitFor } from '../helpers/wait-for.ts'

/**
 * The real `consul` npm client (v2, promise API) against three Grapevine agents running as
 * separate processes on loopback (preset local: mDNS off; explicit --join). Register with a TTL
 * check on one agent, pass it, discover it through the others (catalog, and health passing
 * only), watch it with the client's blocking-query watcher, deregister, see it gone everywhere.
 */
interface HealthEntry {
  Node: { Node: string }
  Service: { ID: string; Service: string; Port: number; Tags: string[] }
  Checks: Array<{ CheckID: string; Status: string }>
}
interface CatalogEntry {
  Node: string
  ServiceID: string
  ServiceAddress: string
  ServicePort: number
  ServiceTags: string[]
}

/** Generous deadlines: these agents share the machine with other test suites. */
function until<T>(what: string, check: () => T | Promise<T>) {
  return waitFor(what, check, { timeoutMs: 30_000 })
}

function client(http: string): Consul {
  const [host, port] = [http.slice(0, http.lastIndexOf(':')), http.slice(http.lastIndexOf(':') + 1)]
  return new Consul({ host, port: Number(port) })
}

describe('consul npm client against a 3-agent Grapevine cluster of processes', () => {
  const a = new AgentProcess('consul-a')
  const b = new AgentProcess('consul-b')
  const c = new AgentProcess('consul-c')
  let restarted: AgentProcess | undefined
  const watches: Array<{ end(): void }> = []
  let ca: Consul
  let cb: Consul
  let cc: Consul

  before(async () => {
    const flags = ['--http', '127.0.0.1:0', '--dns', '127.0.0.1:0']
    const ia = await a.start(flags, { timeoutMs: 60_000 })
    const [ib, ic] = await Promise.all([
      b.start([...flags, '--join', a.joinAddr()], { timeoutMs: 60_000 }),
      c.start([...flags, '--join', a.joinAddr()], { timeoutMs: 60_000 }),
    ])
    ca = client(ia.http)
    cb = client(ib.http)
    cc = client(ic.http)
    await waitFor(
      'all three agents to see three alive members',
      async () => {
        for (const k of [ca, cb, cc]) {
          const members = (await k.agent.members()) as Array<{ Status: number }>
          if (members.filter((m) => m.Status === 1).length !== 3) return false
        }
        return true
      },
      { timeoutMs: 60_000 },
    )
  })

  after(async () => {
    for (const w of watches) w.end()
    await restarted?.kill('SIGKILL')
    for (const p of [a, b, c]) await p.cleanup()
  })

  it('answers agent/self and status as a Consul agent would', async () => {
    const self = (await cb.agent.self()) as {
      Config: { Datacenter: string; NodeName: string }
      Member: { Name: string }
    }
    assert.equal(self.Config.Datacenter, 'dc1')
    assert.equal(self.Config.NodeName, 'consul-b')
    assert.equal(self.Member.Name, 'consul-b')
    const leader = (await cb.status.leader()) as string
    assert.match(leader, /^127\.0\.0\.1:[0-9]+$/)
    const peers = (await cb.status.peers()) as string[]
    assert.equal(peers.length, 3)
  })

  it('register + TTL pass on one agent, discover through the others, watch, deregister everywhere', async () => {
    await ca.agent.service.register({
      name: 'web',
      id: 'web1',
      address: '127.0.0.1',
      port: 8080,
      tags: ['v1'],
      meta: { team: 'edge' },
      check: { name: 'web ttl', ttl: '30s', timeout: '1s' },
    })
    const local = (await ca.agent.service.list()) as Record<string, { Service: string; Port: number }>
    assert.equal(local['web1']?.Service, 'web')
    const checks = (await ca.agent.check.list()) as Record<string, { Status: string; Name: string }>
    assert.equal(checks['service:web1']?.Name, 'web ttl')
    assert.equal(checks['service:web1']?.Status, 'critical', 'a TTL check starts critical, as in Consul')

    // The watcher on agent c: health of web, passing only, with blocking queries.
    const seen: HealthEntry[][] = []
    const indexes: number[] = []
    const watch = cc.watch({
      method: cc.health.service,
      options: { service: 'web', passing: true, wait: '5s' } as never,
    })
    watches.push(watch)
    watch.on('change', (data: HealthEntry[], res: { headers: Record<string, string> }) => {
      seen.push(data)
      indexes.push(Number(res.headers['x-consul-index']))
    })
    const watchErrors: string[] = []
    watch.on('error', (e: Error) => watchErrors.push(e.message))
    await until('the first watch answer', () => seen.length >= 1)

    // Discovered through b before passing: in the catalog, but not passing.
    const catalog = await until('web in b catalog', async () => {
      const list = (await cb.catalog.service.nodes('web')) as CatalogEntry[]
      return list.length === 1 ? list[0] : undefined
    })
    assert.equal(catalog.Node, 'consul-a')
    assert.equal(catalog.ServiceID, 'web1')
    assert.equal(catalog.ServiceAddress, '127.0.0.1')
    assert.equal(catalog.ServicePort, 8080)
    assert.deepEqual(catalog.ServiceTags, ['v1'])
    assert.deepEqual((await cb.health.service({ service: 'web', passing: true })) as HealthEntry[], [])

    await ca.agent.check.pass({ id: 'service:web1', note: 'ready' })

    for (const k of [cb, cc]) {
      const healthy = await until('web passing on another agent', async () => {
        const list = (await k.health.service({ service: 'web', passing: true })) as HealthEntry[]
        return list.length === 1 ? list[0] : undefined
      })
      assert.equal(healthy.Service.ID, 'web1')
      assert.equal(healthy.Node.Node, 'consul-a')
      assert.ok(healthy.Checks.every((ch) => ch.Status === 'passing'))
      assert.deepEqual(
        healthy.Checks.map((ch) => ch.CheckID),
        ['serfHealth', 'service:web1'],
      )
    }
    await until('the watch to see web passing', () =>
      seen.some((d) => d.length === 1 && d[0]?.Service.ID === 'web1'),
    )

    await ca.agent.service.deregister('web1')
    await until('the watch to see web gone', () => {
      const last = seen.at(-1)
      return last !== undefined && last.length === 0 && seen.some((d) => d.length === 1)
    })
    for (const k of [ca, cb, cc]) {
      await until('web gone from every catalog', async () => {
        const [nodes, health, services] = await Promise.all([
          k.catalog.service.nodes('web') as Promise<CatalogEntry[]>,
          k.health.service('web') as Promise<HealthEntry[]>,
          k.catalog.service.list() as Promise<Record<string, string[]>>,
        ])
        return nodes.length === 0 && health.length === 0 && services['web'] === undefined
      })
    }
    for (let i = 1; i < indexes.length; i++)
      assert.ok((indexes[i] ?? 0) >= (indexes[i - 1] ?? 0), 'index went back')
    assert.deepEqual(watchErrors, [], 'the watcher saw no errors')
  })

  it('takes the quirks older clients send: lowercase keys, no Content-Type, GET forms, encoded ids', async () => {
    const base = `http://${b.info?.http}`
    const send = async (method: string, path: string, body?: unknown) => {
      // A Buffer body goes out with no Content-Type at all (a string would get text/plain).
      const init: RequestInit = { method }
      if (body !== undefined) init.body = Buffer.from(JSON.stringify(body))
      const res = await fetch(base + path, init)
      return { status: res.status, text: await res.text() }
    }
    const reg = await send('PUT', '/v1/agent/service/register', {
      name: 'legacy',
      id: 'legacy:1',
      port: 7000,
      tags: ['old'],
      check: { ttl: '30s', deregister_critical_service_after: '10m' },
    })
    assert.equal(reg.status, 200, reg.text)
    assert.equal((await send('GET', '/v1/agent/check/pass/service%3Alegacy%3A1')).status, 200)
    await cb.agent.check.register({
      name: 'disk',
      id: 'legacy-disk',
      serviceid: 'legacy:1',
      ttl: '30s',
    } as never)
    await cb.agent.check.pass('legacy-disk')
    const local = (await cb.agent.check.list()) as Record<string, { ServiceID: string; Status: string }>
    assert.deepEqual(
      Object.entries(local)
        .map(([id, ch]) => [id, ch.ServiceID, ch.Status])
        .sort(),
      [
        ['legacy-disk', 'legacy:1', 'passing'],
        ['service:legacy:1', 'legacy:1', 'passing'],
      ].sort(),
    )
    const seen = await until('legacy passing through agent c', async () => {
      const list = (await cc.health.service({ service: 'legacy', passing: true })) as HealthEntry[]
      return list.length === 1 ? list[0] : undefined
    })
    assert.equal(seen.Service.ID, 'legacy:1')
    assert.deepEqual(seen.Service.Tags, ['old'])
    await cb.agent.check.deregister('legacy-disk')
    assert.deepEqual(Object.keys((await cb.agent.check.list()) as object), ['service:legacy:1'])
    assert.equal((await send('GET', '/v1/agent/service/deregister/legacy%3A1')).status, 200)
    await until('legacy gone from agent c', async () => {
      const list = (await cc.catalog.service.nodes('legacy')) as CatalogEntry[]
      return list.length === 0
    })
    const dc = await send('GET', '/v1/catalog/services?dc=elsewhere')
    assert.equal(dc.status, 400)
    assert.match(dc.text, /only datacenter "dc1"/)
  })

  it('X-Consul-Index does not go back when an agent restarts on the same data dir', async () => {
    await ca.agent.service.register({
      name: 'api',
      id: 'api1',
      port: 9000,
      check: { name: 'api ttl', ttl: '30s', timeout: '1s' },
    })
    const before = Number(
      (await fetch(`http://${a.info?.http}/v1/catalog/services`)).headers.get('x-consul-index'),
    )
    assert.ok(before >= 1)
    await a.kill('SIGTERM')
    restarted = new AgentProcess('consul-a', a.dataDir)
    const info = await restarted.start(
      ['--http', '127.0.0.1:0', '--dns', '127.0.0.1:0', '--join', b.joinAddr()],
      { timeoutMs: 60_000 },
    )
    const res = await fetch(`http://${info.http}/v1/catalog/services`)
    const afterIndex = Number(res.headers.get('x-consul-index'))
    assert.ok(afterIndex >= before, `index went from ${before} to ${afterIndex} across the restart`)
    const services = (await res.json()) as Record<string, string[]>
    assert.ok(services['api'] !== undefined, 'the registration survived the restart')
  })
})
