import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import { buildTestApi, json, type TestApi } from '../setup.ts'

let t: TestApi
afterEach(async () => {
  await t.app.close()
})

async function put(url: string, payload?: string) {
  return t.app.inject({ method: 'PUT', url, ...(payload === undefined ? {} : { payload }) })
}

async function registerTwoChecks() {
  const body = {
    Name: 'web',
    ID: 'web1',
    Port: 80,
    Checks: [{ TTL: '10s' }, { TTL: '20s', Status: 'passing' }],
  }
  const res = await put('/v1/agent/service/register', JSON.stringify(body))
  assert.equal(res.statusCode, 200, res.body)
}

describe('consul agent check routes', () => {
  it('GET /v1/agent/checks lists local checks by Consul id with Consul fields', async () => {
    t = buildTestApi()
    await registerTwoChecks()
    const res = await t.app.inject({ method: 'GET', url: '/v1/agent/checks' })
    assert.equal(res.statusCode, 200)
    const checks = json(res)
    assert.deepEqual(Object.keys(checks), ['service:web1:1', 'service:web1:2'])
    const c = checks['service:web1:1']
    assert.equal(c.Node, 'local-node')
    assert.equal(c.CheckID, 'service:web1:1')
    assert.equal(c.Name, "Service 'web' check")
    assert.equal(c.Status, 'critical')
    assert.equal(c.ServiceID, 'web1')
    assert.equal(c.ServiceName, 'web')
    assert.equal(c.Type, 'ttl')
    assert.equal(checks['service:web1:2'].Status, 'passing')
  })

  for (const method of ['PUT', 'GET'] as const) {
    it(`${method} /v1/agent/check/pass|warn|fail/:id reports one TTL check (percent-encoded id)`, async () => {
      t = buildTestApi()
      await registerTwoChecks()
      const status = async () => {
        const c = json(await t.app.inject({ method: 'GET', url: '/v1/agent/checks' }))
        return [c['service:web1:1'].Status, c['service:web1:2'].Status, c['service:web1:1'].Output]
      }
      const pass = await t.app.inject({
        method,
        url: '/v1/agent/check/pass/service%3Aweb1%3A1?note=all%20good',
      })
      assert.equal(pass.statusCode, 200, pass.body)
      assert.deepEqual(await status(), ['passing', 'passing', 'all good'])
      await t.app.inject({ method, url: '/v1/agent/check/warn/service:web1:1' })
      assert.deepEqual((await status()).slice(0, 2), ['warning', 'passing'])
      await t.app.inject({ method, url: '/v1/agent/check/fail/service:web1:1' })
      assert.deepEqual((await status()).slice(0, 2), ['critical', 'passing'])
      const missing = await t.app.inject({ method, url: '/v1/agent/check/pass/service:nope' })
      assert.equal(missing.statusCode, 404)
      assert.match(missing.headers['content-type'] as string, /^text\/plain/)
    })
  }

  it('PUT /v1/agent/check/update/:id takes {Status, Output} in any key case, without Content-Type', async () => {
    t = buildTestApi()
    await registerTwoChecks()
    const res = await put(
      '/v1/agent/check/update/service:web1:1',
      JSON.stringify({ status: 'warning', output: 'slow' }),
    )
    assert.equal(res.statusCode, 200, res.body)
    const c = json(await t.app.inject({ method: 'GET', url: '/v1/agent/checks' }))['service:web1:1']
    assert.deepEqual([c.Status, c.Output], ['warning', 'slow'])
    const bad = await put('/v1/agent/check/update/service:web1:1', JSON.stringify({ Status: 'fine' }))
    assert.equal(bad.statusCode, 400)
    assert.match(bad.body, /body\/Status must be one of "passing", "warning", "critical"/)
    const none = await put('/v1/agent/check/update/service:web1:1')
    assert.equal(none.statusCode, 400)
    assert.match(none.body, /body\/Status is required/)
  })

  it('/v1/agent/health/service/name/:name answers 503, 429, 200 by aggregated status', async () => {
    t = buildTestApi()
    await put(
      '/v1/agent/service/register',
      JSON.stringify({ Name: 'web', ID: 'web1', Check: { TTL: '10s' } }),
    )
    await put(
      '/v1/agent/service/register',
      JSON.stringify({ Name: 'web', ID: 'web2', Check: { TTL: '10s' } }),
    )
    const get = (format = '') =>
      t.app.inject({ method: 'GET', url: `/v1/agent/health/service/name/web${format}` })
    let res = await get()
    assert.equal(res.statusCode, 503)
    assert.equal(json(res).length, 2)
    assert.equal(json(res)[0].AggregatedStatus, 'critical')
    assert.equal(json(res)[0].Service.ID, 'web1')
    assert.equal(json(res)[0].Checks[0].CheckID, 'service:web1')
    await put('/v1/agent/check/pass/service:web1')
    await put('/v1/agent/check/warn/service:web2')
    res = await get()
    assert.equal(res.statusCode, 429)
    await put('/v1/agent/check/pass/service:web2')
    res = await get()
    assert.equal(res.statusCode, 200)
    const text = await get('?format=text')
    assert.equal(text.statusCode, 200)
    assert.equal(text.body, 'passing')
    const none = await t.app.inject({ method: 'GET', url: '/v1/agent/health/service/name/nope?format=text' })
    assert.equal(none.statusCode, 404)
    assert.equal(none.body, 'ServiceName nope Not Found')
  })

  it('/v1/agent/health/service/id/:id answers one entry with the status code', async () => {
    t = buildTestApi()
    await put(
      '/v1/agent/service/register',
      JSON.stringify({ Name: 'web', ID: 'web:1', Check: { TTL: '10s' } }),
    )
    let res = await t.app.inject({ method: 'GET', url: '/v1/agent/health/service/id/web%3A1' })
    assert.equal(res.statusCode, 503)
    assert.equal(json(res).AggregatedStatus, 'critical')
    await put('/v1/agent/check/warn/service:web:1')
    res = await t.app.inject({ method: 'GET', url: '/v1/agent/health/service/id/web%3A1?format=text' })
    assert.equal(res.statusCode, 429)
    assert.equal(res.body, 'warning')
    await put('/v1/agent/maintenance?enable=true&reason=patching')
    res = await t.app.inject({ method: 'GET', url: '/v1/agent/health/service/id/web%3A1' })
    assert.equal(res.statusCode, 503)
    assert.equal(json(res).AggregatedStatus, 'maintenance')
    assert.ok(json(res).Checks.some((c: { CheckID: string }) => c.CheckID === '_node_maintenance'))
    const none = await t.app.inject({ method: 'GET', url: '/v1/agent/health/service/id/nope' })
    assert.equal(none.statusCode, 404)
  })
})

describe('consul check register and deregister (service-bound)', () => {
  it('adds a check to a service, keeps the others, and removes it again', async () => {
    t = buildTestApi()
    await put(
      '/v1/agent/service/register',
      JSON.stringify({ Name: 'web', ID: 'web1', Port: 80, Tags: ['a'], Check: { TTL: '10s' } }),
    )
    await put('/v1/agent/check/pass/service:web1')
    const add = await put(
      '/v1/agent/check/register',
      JSON.stringify({ name: 'disk', service_id: 'web1', ttl: '30s', status: 'warning' }),
    )
    assert.equal(add.statusCode, 200, add.body)
    const li = t.ports.registry.get('web1')
    assert.deepEqual(
      li?.checks.map((c) => c.id),
      ['service:web1', 'disk'],
    )
    assert.equal(li?.checks[1]?.status, 'warning')
    assert.deepEqual(li?.value.tags, ['a'], 'the service is otherwise unchanged')
    const listed = json(await t.app.inject({ method: 'GET', url: '/v1/agent/checks' }))
    assert.deepEqual(Object.keys(listed).sort(), ['disk', 'service:web1'])
    assert.equal(listed['disk'].ServiceID, 'web1')

    const del = await put('/v1/agent/check/deregister/disk')
    assert.equal(del.statusCode, 200, del.body)
    assert.deepEqual(
      t.ports.registry.get('web1')?.checks.map((c) => c.id),
      ['service:web1'],
    )
    assert.equal((await put('/v1/agent/check/deregister/disk')).statusCode, 404)
  })

  it('refuses node-level checks, unknown services and checks without a name or id', async () => {
    t = buildTestApi()
    const node = await put('/v1/agent/check/register', JSON.stringify({ Name: 'mem', TTL: '10s' }))
    assert.equal(node.statusCode, 400)
    assert.match(node.body, /body\/ServiceID is required/)
    const unknown = await put(
      '/v1/agent/check/register',
      JSON.stringify({ Name: 'x', ServiceID: 'nope', TTL: '1s' }),
    )
    assert.equal(unknown.statusCode, 404)
    await put('/v1/agent/service/register', JSON.stringify({ Name: 'web', ID: 'web1' }))
    const nameless = await put('/v1/agent/check/register', JSON.stringify({ ServiceID: 'web1', TTL: '1s' }))
    assert.equal(nameless.statusCode, 400)
    assert.match(nameless.body, /body\/Name is required/)
    const typeless = await put('/v1/agent/check/register', JSON.stringify({ Name: 'x', ServiceID: 'web1' }))
    assert.equal(typeless.statusCode, 400)
    assert.match(typeless.body, /needs one of HTTP, TCP, GRPC, TTL or Args/)
  })
})
