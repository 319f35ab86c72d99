import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import { buildTestApi, json, type TestApi } from './setup.ts'

let t: TestApi
afterEach(async () => {
  await t.app.close()
})

const web = { service: 'web', port: 8080, tags: ['v1'], meta: { zone: 'a' }, weight: 5, version: '1.2.3' }

describe('instances routes', () => {
  it('POST /v1/instances registers and answers 201 with the id', async () => {
    t = buildTestApi()
    const res = await t.app.inject({ method: 'POST', url: '/v1/instances', payload: { ...web, id: 'web-a' } })
    assert.equal(res.statusCode, 201)
    assert.deepEqual(json(res), { id: 'web-a', created: true })
    assert.equal(t.ports.registry.get('web-a')?.value.port, 8080)
    const again = await t.app.inject({
      method: 'POST',
      url: '/v1/instances',
      payload: { ...web, id: 'web-a', port: 81 },
    })
    assert.equal(again.statusCode, 200, 'the same id again replaces')
    assert.deepEqual(json(again), { id: 'web-a', created: false })
  })

  it('POST /v1/instances without an id lets the registry choose one', async () => {
    t = buildTestApi()
    const res = await t.app.inject({ method: 'POST', url: '/v1/instances', payload: web })
    assert.equal(res.statusCode, 201)
    assert.equal(typeof json(res).id, 'string')
    assert.ok(t.ports.registry.get(json(res).id))
  })

  it('PUT /v1/instances/:id registers or replaces under the path id', async () => {
    t = buildTestApi()
    const first = await t.app.inject({ method: 'PUT', url: '/v1/instances/web-1', payload: web })
    assert.equal(first.statusCode, 201)
    const second = await t.app.inject({
      method: 'PUT',
      url: '/v1/instances/web-1',
      payload: { ...web, port: 9090 },
    })
    assert.equal(second.statusCode, 200)
    assert.equal(t.ports.registry.get('web-1')?.value.port, 9090)
    const clash = await t.app.inject({
      method: 'PUT',
      url: '/v1/instances/web-1',
      payload: { ...web, id: 'other' },
    })
    assert.equal(clash.statusCode, 400)
    assert.equal(json(clash).code, 'VALIDATION')
    assert.match(json(clash).message, /body\/id must equal the id in the path/)
  })

  it('percent-encoded ids in the path are decoded', async () => {
    t = buildTestApi()
    const res = await t.app.inject({ method: 'PUT', url: '/v1/instances/service%3Aweb1', payload: web })
    assert.equal(res.statusCode, 201)
    assert.ok(t.ports.registry.get('service:web1'))
  })

  it('GET /v1/instances/:id answers the local registration with origin and freshness', async () => {
    t = buildTestApi()
    await t.app.inject({ method: 'PUT', url: '/v1/instances/web-1', payload: web })
    t.clock.advance(1500)
    const res = await t.app.inject({ method: 'GET', url: '/v1/instances/web-1' })
    assert.equal(res.statusCode, 200)
    const body = json(res)
    assert.equal(body.id, 'web-1')
    assert.equal(body.service, 'web')
    assert.equal(body.source, 'api')
    assert.equal(body.maintenance, false)
    assert.deepEqual(body.origin, { node: 'local-node', peerId: t.ports.localOrigin })
    assert.equal(body.freshness.ageMs, 1500)
    assert.match(body.freshness.version, /^\d+\.\d+$/)
    assert.ok(Number(res.headers['x-grapevine-index']) >= 1)
  })

  it('GET /v1/instances/:id of an unknown id is 404 NOT_FOUND', async () => {
    t = buildTestApi()
    const res = await t.app.inject({ method: 'GET', url: '/v1/instances/nope' })
    assert.equal(res.statusCode, 404)
    assert.equal(json(res).code, 'NOT_FOUND')
    assert.match(json(res).message, /no instance "nope" is registered on this agent/)
  })

  it('DELETE /v1/instances/:id deregisters, and 404 when there is none', async () => {
    t = buildTestApi()
    await t.app.inject({ method: 'PUT', url: '/v1/instances/web-1', payload: web })
    const res = await t.app.inject({ method: 'DELETE', url: '/v1/instances/web-1' })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(json(res), { id: 'web-1', removed: true })
    assert.equal(t.ports.registry.get('web-1'), undefined)
    assert.equal(t.ports.view().instancesOf('web').length, 0)
    const again = await t.app.inject({ method: 'DELETE', url: '/v1/instances/web-1' })
    assert.equal(again.statusCode, 404)
    assert.equal(json(again).code, 'NOT_FOUND')
  })

  it('PUT /v1/instances/:id/health reports a TTL status with a note', async () => {
    t = buildTestApi()
    await t.app.inject({
      method: 'PUT',
      url: '/v1/instances/web-1',
      payload: { ...web, checks: [{ type: 'ttl', ttl: '30s' }] },
    })
    assert.equal(t.ports.view().instancesOf('web')[0]?.health, 'critical')
    const res = await t.app.inject({
      method: 'PUT',
      url: '/v1/instances/web-1/health',
      payload: { status: 'passing', note: 'all good' },
    })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(json(res), { id: 'web-1', status: 'passing' })
    assert.equal(t.ports.view().instancesOf('web')[0]?.health, 'passing')
    assert.equal(t.ports.registry.get('web-1')?.checks[0]?.output, 'all good')
    const bad = await t.app.inject({
      method: 'PUT',
      url: '/v1/instances/web-1/health',
      payload: { status: 'fine' },
    })
    assert.equal(bad.statusCode, 400)
    assert.equal(json(bad).message, 'body/status must be one of "passing", "warning", "critical"')
    const missing = await t.app.inject({
      method: 'PUT',
      url: '/v1/instances/nope/health',
      payload: { status: 'passing' },
    })
    assert.equal(missing.statusCode, 404)
  })

  it('PUT /v1/instances/:id/maintenance turns maintenance on and off', async () => {
    t = buildTestApi()
    await t.app.inject({ method: 'PUT', url: '/v1/instances/web-1', payload: web })
    const on = await t.app.inject({
      method: 'PUT',
      url: '/v1/instances/web-1/maintenance',
      payload: { enable: true, reason: 'deploy' },
    })
    assert.equal(on.statusCode, 200)
    assert.deepEqual(json(on), { id: 'web-1', maintenance: true })
    const got = json(await t.app.inject({ method: 'GET', url: '/v1/instances/web-1' }))
    assert.equal(got.maintenance, true)
    assert.equal(got.maintenanceReason, 'deploy')
    assert.equal(got.health, 'maintenance')
    const off = await t.app.inject({
      method: 'PUT',
      url: '/v1/instances/web-1/maintenance',
      payload: { enable: false },
    })
    assert.equal(off.statusCode, 200)
    assert.equal(t.ports.view().instancesOf('web')[0]?.health, 'passing')
    const bad = await t.app.inject({
      method: 'PUT',
      url: '/v1/instances/web-1/maintenance',
      payload: { enable: 'yes' },
    })
    assert.equal(json(bad).message, 'body/enable must be true or false')
    const none = await t.app.inject({
      method: 'PUT',
      url: '/v1/instances/zz/maintenance',
      payload: { enable: true },
    })
    assert.equal(none.statusCode, 404)
  })

  it('rejects bad registrations, naming the field', async () => {
    t = buildTestApi()
    const cases: Array<[unknown, RegExp]> = [
      [{ ...web, port: 'http' }, /^body\/port must be an integer from 0 to 65535$/],
      [{ ...web, port: 65536 }, /^body\/port must be an integer from 0 to 65535$/],
      [{ ...web, weight: -1 }, /^body\/weight must be an integer from 0 to 65535$/],
      [{ ...web, service: 'no spaces' }, /^body\/service must be a service name/],
      [{ ...web, service: '-lead' }, /^body\/service must be a service name/],
      [{ ...web, tags: [1] }, /^body\/tags\/0 must be a string of 1 to 256 characters$/],
      [{ ...web, extra: 1 }, /^body\/extra is not an allowed field; allowed: /],
      [
        { ...web, checks: [{ type: 'smtp' }] },
        /^body\/checks\/0\/type must be one of "http", "tcp", "grpc", "ttl", "exec"$/,
      ],
      [{ port: 1 }, /^body\/service is required$/],
      [{ ...web, meta: { 'has space': 'x' } }, /^body\/meta has keys that are not allowed \("has space"\)/],
      [[1, 2], /^body must be an object$/],
    ]
    for (const [payload, message] of cases) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/instances', payload: payload as object })
      assert.equal(res.statusCode, 400, JSON.stringify(payload))
      assert.equal(json(res).code, 'VALIDATION')
      assert.match(json(res).message, message)
    }
    const extra: Array<[string, object, string]> = [
      [
        '/v1/instances/w1/health',
        { status: 'passing', colour: 1 },
        'body/colour is not an allowed field; allowed: status, note',
      ],
      [
        '/v1/instances/w1/maintenance',
        { enable: true, until: 5 },
        'body/until is not an allowed field; allowed: enable, reason',
      ],
      ['/v1/agent/reload', { force: true }, 'body/force is not an allowed field; body takes no fields here'],
    ]
    for (const [url, payload, message] of extra) {
      const res = await t.app.inject({ method: 'PUT', url, payload })
      assert.equal(res.statusCode, 400, url)
      assert.equal(json(res).message, message, url)
    }
    const badId = await t.app.inject({ method: 'GET', url: `/v1/instances/${'x'.repeat(129)}` })
    assert.equal(badId.statusCode, 400)
    assert.match(json(badId).message, /^params\/id must be an id of 1 to 128 characters/)
  })
})
