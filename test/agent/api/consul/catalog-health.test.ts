import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import { waitFor } from '../../../helpers/wait-for.ts'
import { buildTestApi, json, type TestApi } from '../setup.ts'

let t: TestApi
afterEach(async () => {
  await t.app.close()
})

const N2 = '12D3KooWRemote2222222222222222222222222222222222'
const N3 = '12D3KooWRemote3333333333333333333333333333333333'

/** This agent plus two remote nodes: n2 (alive, rack a) and n3 (unreachable, rack b). */
function fleet(): TestApi {
  const api = buildTestApi()
  api.ports.putNode({ origin: N2, name: 'n2', addresses: ['10.0.0.2'], meta: { rack: 'a' } })
  api.ports.putNode({
    origin: N3,
    name: 'n3',
    addresses: ['10.0.0.3'],
    meta: { rack: 'b' },
    state: 'unreachable',
  })
  const check = (id: string, status: 'passing' | 'warning' | 'critical') => ({
    id,
    name: 'ttl',
    type: 'ttl',
    status,
    output: '',
  })
  api.ports.putInstance(
    {
      id: 'web-a',
      service: 'web',
      address: '10.0.0.2',
      port: 80,
      tags: ['v1', 'blue'],
      weight: 3,
      checks: [check('service:web-a', 'passing')],
    },
    { origin: N2 },
  )
  api.ports.putInstance(
    {
      id: 'web-b',
      service: 'web',
      address: '10.0.0.3',
      port: 80,
      tags: ['v1'],
      health: 'critical',
      checks: [check('service:web-b', 'passing')],
    },
    { origin: N3, nodeState: 'unreachable' },
  )
  api.ports.putInstance(
    {
      id: 'web-c',
      service: 'web',
      address: '10.0.0.2',
      port: 81,
      tags: ['v2'],
      health: 'warning',
      checks: [check('service:web-c', 'warning')],
    },
    { origin: N2 },
  )
  api.ports.putInstance(
    { id: 'db-1', service: 'db', address: '10.0.0.2', port: 5432, health: 'maintenance' },
    { origin: N2 },
  )
  return api
}

const get = async (url: string) => {
  const res = await t.app.inject({ method: 'GET', url })
  assert.equal(res.statusCode, 200, `${url}: ${res.body}`)
  return json(res)
}

describe('consul catalog routes', () => {
  it('/v1/catalog/services maps every service to its tags; ?node-meta filters', async () => {
    t = fleet()
    assert.deepEqual(await get('/v1/catalog/services'), { db: [], web: ['blue', 'v1', 'v2'] })
    assert.deepEqual(await get('/v1/catalog/services?node-meta=rack:b'), { web: ['v1'] })
    assert.deepEqual(await get('/v1/catalog/datacenters'), ['dc1'])
  })

  it('/v1/catalog/service/:name answers CatalogService entries, ?tag= (all) and ?node-meta=', async () => {
    t = fleet()
    const all = await get('/v1/catalog/service/web')
    assert.deepEqual(all.map((e: { ServiceID: string }) => e.ServiceID).sort(), ['web-a', 'web-b', 'web-c'])
    const a = all.find((e: { ServiceID: string }) => e.ServiceID === 'web-a')
    assert.equal(a.Node, 'n2')
    assert.equal(a.Address, '10.0.0.2')
    assert.equal(a.Datacenter, 'dc1')
    assert.deepEqual(a.TaggedAddresses, {
      lan: '10.0.0.2',
      lan_ipv4: '10.0.0.2',
      wan: '10.0.0.2',
      wan_ipv4: '10.0.0.2',
    })
    assert.deepEqual(a.NodeMeta, { rack: 'a' })
    assert.equal(a.ServiceName, 'web')
    assert.deepEqual(a.ServiceTags, ['v1', 'blue'])
    assert.equal(a.ServiceAddress, '10.0.0.2')
    assert.equal(a.ServicePort, 80)
    assert.deepEqual(a.ServiceWeights, { Passing: 3, Warning: 1 })
    assert.deepEqual(a.ServiceMeta, {})
    assert.ok(a.ModifyIndex >= 1)
    const tagged = await get('/v1/catalog/service/web?tag=v1&tag=blue')
    assert.deepEqual(
      tagged.map((e: { ServiceID: string }) => e.ServiceID),
      ['web-a'],
    )
    const rackB = await get('/v1/catalog/service/WEB?node-meta=rack:b')
    assert.deepEqual(
      rackB.map((e: { ServiceID: string }) => e.ServiceID),
      ['web-b'],
    )
    assert.deepEqual(await get('/v1/catalog/service/none'), [])
  })

  it('/v1/catalog/nodes and /v1/catalog/node/:node', async () => {
    t = fleet()
    t.ports.putNode({
      origin: '12D3KooWGone44444444444444444444444444444444444',
      name: 'gone',
      state: 'left',
    })
    const nodes = await get('/v1/catalog/nodes')
    assert.deepEqual(
      nodes.map((n: { Node: string }) => n.Node),
      ['local-node', 'n2', 'n3'],
    )
    assert.match(nodes[1].ID, /^[0-9a-f-]{36}$/)
    assert.deepEqual(
      (await get('/v1/catalog/nodes?node-meta=rack:a')).map((n: { Node: string }) => n.Node),
      ['n2'],
    )
    const n2 = await get('/v1/catalog/node/N2')
    assert.equal(n2.Node.Node, 'n2')
    assert.deepEqual(Object.keys(n2.Services).sort(), ['db-1', 'web-a', 'web-c'])
    assert.equal(n2.Services['web-a'].Service, 'web')
    assert.equal(n2.Services['web-a'].Port, 80)
    const none = await t.app.inject({ method: 'GET', url: '/v1/catalog/node/nope' })
    assert.equal(none.statusCode, 200)
    assert.equal(none.body, 'null')
  })
})

describe('consul health routes', () => {
  it('/v1/health/service/:name gives node, service and checks; serfHealth shows node liveness', async () => {
    t = fleet()
    const all = await get('/v1/health/service/web')
    assert.equal(all.length, 3)
    const b = all.find((e: { Service: { ID: string } }) => e.Service.ID === 'web-b')
    assert.equal(b.Node.Node, 'n3')
    assert.deepEqual(
      b.Checks.map((c: { CheckID: string; Status: string }) => [c.CheckID, c.Status]),
      [
        ['serfHealth', 'critical'],
        ['service:web-b', 'passing'],
      ],
    )
    const passing = await get('/v1/health/service/web?passing')
    assert.deepEqual(
      passing.map((e: { Service: { ID: string } }) => e.Service.ID),
      ['web-a'],
      'warning, and critical by node liveness, are not passing',
    )
    assert.deepEqual(
      (await get('/v1/health/service/web?passing=true&tag=v2')).map(
        (e: { Service: { ID: string } }) => e.Service.ID,
      ),
      [],
    )
    assert.equal((await get('/v1/health/service/web?passing=false')).length, 3)
    assert.equal((await get('/v1/health/service/web?node-meta=rack:a')).length, 2)
  })

  it('answers the same request from one build per index, and a fresh one after a change', async () => {
    t = fleet()
    const a = await t.app.inject({ method: 'GET', url: '/v1/health/service/web?passing' })
    const b = await t.app.inject({ method: 'GET', url: '/v1/health/service/web?passing' })
    assert.equal(a.body, b.body)
    assert.match(a.headers['content-type'] as string, /^application\/json/)
    t.ports.putInstance({ id: 'web-e', service: 'web', port: 90 }, { origin: N2 })
    const c = await t.app.inject({ method: 'GET', url: '/v1/health/service/web?passing' })
    assert.deepEqual(
      json(c)
        .map((e: { Service: { ID: string } }) => e.Service.ID)
        .sort(),
      ['web-a', 'web-e'],
    )
    const tagged = await t.app.inject({ method: 'GET', url: '/v1/health/service/web?passing&tag=v2' })
    assert.deepEqual(json(tagged), [], 'other filters are other answers')
  })

  it('service maintenance shows as a critical _service_maintenance:<id> check', async () => {
    t = fleet()
    const [db] = await get('/v1/health/service/db')
    const maint = db.Checks.find((c: { CheckID: string }) => c.CheckID === '_service_maintenance:db-1')
    assert.equal(maint.Status, 'critical')
    assert.equal(maint.ServiceID, 'db-1')
    assert.deepEqual(await get('/v1/health/service/db?passing'), [])
  })

  it('node maintenance shows as a critical _node_maintenance node check', async () => {
    t = fleet()
    t.ports.putNode({ origin: N2, name: 'n2', addresses: ['10.0.0.2'], maintenance: true })
    const entries = await get('/v1/health/service/web?node-meta=rack:a')
    assert.equal(entries.length, 0, 'node meta replaced by the new node record')
    const a = (await get('/v1/health/service/web')).find(
      (e: { Service: { ID: string } }) => e.Service.ID === 'web-a',
    )
    assert.ok(
      a.Checks.some(
        (c: { CheckID: string; Status: string }) =>
          c.CheckID === '_node_maintenance' && c.Status === 'critical',
      ),
    )
  })

  it('/v1/health/checks/:service lists service checks only', async () => {
    t = fleet()
    const checks = await get('/v1/health/checks/web')
    assert.deepEqual(checks.map((c: { CheckID: string }) => c.CheckID).sort(), [
      'service:web-a',
      'service:web-b',
      'service:web-c',
    ])
    assert.ok(checks.every((c: { ServiceName: string }) => c.ServiceName === 'web'))
  })

  it('/v1/health/state/:state filters every check by state; bad states are 400', async () => {
    t = fleet()
    const critical = await get('/v1/health/state/critical')
    assert.deepEqual(
      critical.map((c: { Node: string; CheckID: string }) => `${c.Node}/${c.CheckID}`).sort(),
      ['n2/_service_maintenance:db-1', 'n3/serfHealth'],
    )
    const warning = await get('/v1/health/state/warning')
    assert.deepEqual(
      warning.map((c: { CheckID: string }) => c.CheckID),
      ['service:web-c'],
    )
    const any = await get('/v1/health/state/any')
    assert.ok(any.length >= 7)
    assert.equal((await get('/v1/health/state/any?node-meta=rack:b')).length, 2)
    const bad = await t.app.inject({ method: 'GET', url: '/v1/health/state/sad' })
    assert.equal(bad.statusCode, 400)
    assert.match(bad.body, /params\/state must be one of any, passing, warning, critical/)
  })

  it('/v1/health/node/:node lists node and service checks of one node', async () => {
    t = fleet()
    const checks = await get('/v1/health/node/n3')
    assert.deepEqual(
      checks.map((c: { CheckID: string }) => c.CheckID),
      ['serfHealth', 'service:web-b'],
    )
    assert.deepEqual(await get('/v1/health/node/nope'), [])
  })
})

describe('consul status routes', () => {
  it('/v1/status/leader names this agent; /v1/status/peers the reachable members', async () => {
    t = fleet()
    t.ports.putNode({
      origin: N2,
      name: 'n2',
      addresses: ['10.0.0.2'],
      multiaddrs: [`/ip4/10.0.0.2/tcp/7950/p2p/${N2}`],
    })
    const leader = await t.app.inject({ method: 'GET', url: '/v1/status/leader' })
    assert.match(leader.headers['content-type'] as string, /^application\/json/)
    assert.equal(json(leader), '127.0.0.1:7950')
    assert.deepEqual(await get('/v1/status/peers'), ['127.0.0.1:7950', '10.0.0.2:7950'])
  })
})

describe('consul blocking queries', () => {
  it('returns at once without index, holds with a current index until a change, X-Consul-Index grows', async () => {
    t = fleet()
    const first = await t.app.inject({ method: 'GET', url: '/v1/health/service/web' })
    const index = Number(first.headers['x-consul-index'])
    assert.ok(index >= 1)
    const held = t.app.inject({ method: 'GET', url: `/v1/health/service/web?index=${index}&wait=30s` })
    await waitFor('the query to be held', () => t.ports.waiting === 1)
    t.ports.putInstance({ id: 'web-d', service: 'web', port: 82 }, { origin: N2 })
    const res = await held
    assert.equal(res.statusCode, 200)
    assert.ok(Number(res.headers['x-consul-index']) > index)
    assert.equal(json(res).length, 4)
  })

  it('answers at wait (with jitter) when nothing changes, index unchanged', async () => {
    t = fleet()
    const index = Number(
      (await t.app.inject({ method: 'GET', url: '/v1/catalog/services' })).headers['x-consul-index'],
    )
    const started = performance.now()
    const res = await t.app.inject({ method: 'GET', url: `/v1/catalog/services?index=${index}&wait=150ms` })
    const took = performance.now() - started
    assert.equal(res.statusCode, 200)
    assert.equal(Number(res.headers['x-consul-index']), index)
    assert.ok(took >= 140 && took < 150 + 150 / 16 + 500, `took ${took} ms`)
  })

  it('caps wait at the configured maximum and refuses a malformed wait', async () => {
    t = buildTestApi({ maxWaitMs: 100 })
    const index = Number(
      (await t.app.inject({ method: 'GET', url: '/v1/agent/services' })).headers['x-consul-index'],
    )
    const started = performance.now()
    await t.app.inject({ method: 'GET', url: `/v1/agent/services?index=${index}&wait=10m` })
    assert.ok(performance.now() - started < 2000)
    const bad = await t.app.inject({ method: 'GET', url: '/v1/agent/services?wait=soon' })
    assert.equal(bad.statusCode, 400)
  })

  it('X-Consul-Index never decreases over a run of changes, reads and writes', async () => {
    t = fleet()
    let last = 0
    for (let i = 0; i < 20; i++) {
      if (i % 3 === 0) {
        await t.app.inject({
          method: 'PUT',
          url: '/v1/agent/service/register',
          payload: JSON.stringify({ Name: 'svc', ID: `s${i}`, Port: i }),
        })
      }
      if (i % 5 === 0) t.ports.putInstance({ id: `r${i}`, service: 'web', port: i }, { origin: N2 })
      const res = await t.app.inject({
        method: 'GET',
        url: i % 2 === 0 ? '/v1/catalog/services' : '/v1/agent/checks',
      })
      const index = Number(res.headers['x-consul-index'])
      assert.ok(index >= last, `index went back from ${last} to ${index}`)
      last = index
    }
    assert.ok(last > 1)
  })

  it('server shutdown releases held queries', async () => {
    t = fleet()
    const index = Number(
      (await t.app.inject({ method: 'GET', url: '/v1/catalog/nodes' })).headers['x-consul-index'],
    )
    const held = t.app.inject({ method: 'GET', url: `/v1/catalog/nodes?index=${index}&wait=5m` })
    await waitFor('the query to be held', () => t.ports.waiting === 1)
    await t.app.close()
    const res = await held
    assert.equal(res.statusCode, 200)
    t = buildTestApi()
  })
})
