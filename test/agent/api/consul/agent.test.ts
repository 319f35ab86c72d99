import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import { waitFor } from '../../../helpers/wait-for.ts'
import { buildTestApi, json, type TestApi } from '../setup.ts'

let t: TestApi
afterEach(async () => {
  await t.app.close()
})

const web = { Name: 'web', ID: 'web1', Port: 8080, Tags: ['v1'], Meta: { zone: 'a' }, Check: { TTL: '10s' } }

async function register(body: unknown, headers: Record<string, string> = {}) {
  return t.app.inject({
    method: 'PUT',
    url: '/v1/agent/service/register',
    payload: typeof body === 'string' ? body : JSON.stringify(body),
    headers,
  })
}

describe('consul agent service routes', () => {
  it('PUT /v1/agent/service/register without a Content-Type registers through the registry', async () => {
    t = buildTestApi()
    const res = await register(web)
    assert.equal(res.statusCode, 200)
    assert.equal(res.body, '')
    const li = t.ports.registry.get('web1')
    assert.equal(li?.value.service, 'web')
    assert.equal(li?.value.port, 8080)
    assert.deepEqual(li?.value.tags, ['v1'])
    assert.deepEqual(
      li?.checks.map((c) => [c.id, c.type]),
      [['service:web1', 'ttl']],
    )
  })

  it('accepts lowercase and snake_case keys, and text/plain or form content types', async () => {
    t = buildTestApi()
    const res = await register(
      { name: 'api', id: 'api-1', port: 9000, check: { ttl: '5s', deregister_critical_service_after: '1m' } },
      { 'content-type': 'application/x-www-form-urlencoded' },
    )
    assert.equal(res.statusCode, 200, res.body)
    assert.equal(t.ports.registry.get('api-1')?.checks[0]?.definition.deregisterCriticalAfter, '1m')
    const plain = await register({ NAME: 'db', PORT: 5432 }, { 'content-type': 'text/plain' })
    assert.equal(plain.statusCode, 200, plain.body)
    assert.equal(t.ports.registry.get('db')?.value.port, 5432, 'the id defaults to the name')
  })

  it('answers bad definitions with 400, plain text naming the field, and our code in a header', async () => {
    t = buildTestApi()
    const res = await register({ Name: 'web', Port: 'eighty' })
    assert.equal(res.statusCode, 400)
    assert.match(res.headers['content-type'] as string, /^text\/plain/)
    assert.equal(res.headers['x-grapevine-error-code'], 'VALIDATION')
    assert.match(res.body, /body\/Port must be an integer/)
    const notJson = await register('{nope')
    assert.equal(notJson.statusCode, 400)
    assert.match(notJson.body, /not valid JSON/)
    const empty = await register('')
    assert.equal(empty.statusCode, 400)
    assert.match(empty.body, /body must be a JSON object/)
  })

  it('passes the registry error through (script checks disabled → 403)', async () => {
    t = buildTestApi()
    const registry = t.ports.registry
    const original = registry.register.bind(registry)
    registry.register = async (input, opts) => {
      if (input.checks?.some((c) => c.type === 'exec')) {
        const { GrapevineError } = await import('../../../../agent/errors.ts')
        throw new GrapevineError('SCRIPT_CHECKS_DISABLED', 'exec checks are disabled on this agent')
      }
      return original(input, opts)
    }
    const res = await register({ Name: 'x', Check: { Args: ['/bin/true'], Interval: '10s' } })
    assert.equal(res.statusCode, 403)
    assert.equal(res.headers['x-grapevine-error-code'], 'SCRIPT_CHECKS_DISABLED')
  })

  it('GET /v1/agent/services and /v1/agent/service/:id answer Consul AgentService shapes', async () => {
    t = buildTestApi()
    await register({ ...web, Weights: { Passing: 4, Warning: 1 } })
    const list = await t.app.inject({ method: 'GET', url: '/v1/agent/services' })
    assert.equal(list.statusCode, 200)
    assert.deepEqual(json(list), {
      web1: {
        ID: 'web1',
        Service: 'web',
        Tags: ['v1'],
        Meta: { zone: 'a' },
        Port: 8080,
        Address: '127.0.0.1',
        TaggedAddresses: {},
        Weights: { Passing: 4, Warning: 1 },
        EnableTagOverride: false,
        Datacenter: 'dc1',
      },
    })
    const one = await t.app.inject({ method: 'GET', url: '/v1/agent/service/web1' })
    assert.equal(one.statusCode, 200)
    assert.equal(json(one).ID, 'web1')
    assert.match(json(one).ContentHash, /^[0-9a-f]{16}$/)
    const missing = await t.app.inject({ method: 'GET', url: '/v1/agent/service/nope' })
    assert.equal(missing.statusCode, 404)
    assert.match(missing.body, /Unknown service ID "nope"/)
  })

  it('GET /v1/agent/service/:id?hash= blocks while the ContentHash is current', async () => {
    t = buildTestApi()
    await register(web)
    const first = json(await t.app.inject({ method: 'GET', url: '/v1/agent/service/web1' }))
    const held = t.app.inject({
      method: 'GET',
      url: `/v1/agent/service/web1?hash=${first.ContentHash}&wait=30s`,
    })
    await waitFor('the query to be held', () => t.ports.waiting === 1)
    await register({ ...web, Port: 9090 })
    const res = await held
    assert.equal(res.statusCode, 200)
    assert.equal(json(res).Port, 9090)
    assert.notEqual(json(res).ContentHash, first.ContentHash)
    const stale = await t.app.inject({ method: 'GET', url: '/v1/agent/service/web1?hash=0000&wait=30s' })
    assert.equal(stale.statusCode, 200, 'an old hash answers at once')
  })

  it('deregisters with PUT and with the GET form, percent-encoded ids decoded', async () => {
    t = buildTestApi()
    await register({ Name: 'web', ID: 'web:1', Port: 1 })
    await register({ Name: 'web', ID: 'web:2', Port: 2 })
    const put = await t.app.inject({ method: 'PUT', url: '/v1/agent/service/deregister/web%3A1' })
    assert.equal(put.statusCode, 200)
    assert.equal(t.ports.registry.get('web:1'), undefined)
    const get = await t.app.inject({ method: 'GET', url: '/v1/agent/service/deregister/web%3A2' })
    assert.equal(get.statusCode, 200)
    assert.equal(t.ports.registry.get('web:2'), undefined)
    const again = await t.app.inject({ method: 'PUT', url: '/v1/agent/service/deregister/web%3A2' })
    assert.equal(again.statusCode, 404)
  })

  it('service maintenance adds the _service_maintenance check; node maintenance _node_maintenance', async () => {
    t = buildTestApi()
    await register(web)
    const on = await t.app.inject({
      method: 'PUT',
      url: '/v1/agent/service/maintenance/web1?enable=true&reason=deploying',
    })
    assert.equal(on.statusCode, 200)
    assert.equal(t.ports.registry.get('web1')?.maintenance, true)
    const checks = json(await t.app.inject({ method: 'GET', url: '/v1/agent/checks' }))
    assert.equal(checks['_service_maintenance:web1'].Status, 'critical')
    assert.equal(checks['_service_maintenance:web1'].Notes, 'deploying')
    assert.equal(checks['_service_maintenance:web1'].ServiceID, 'web1')
    const health = await t.app.inject({ method: 'GET', url: '/v1/agent/health/service/id/web1' })
    assert.equal(health.statusCode, 503)
    assert.equal(json(health).AggregatedStatus, 'maintenance')
    const off = await t.app.inject({ method: 'PUT', url: '/v1/agent/service/maintenance/web1?enable=false' })
    assert.equal(off.statusCode, 200)
    assert.equal(t.ports.registry.get('web1')?.maintenance, false)
    const missing = await t.app.inject({ method: 'PUT', url: '/v1/agent/service/maintenance/web1' })
    assert.equal(missing.statusCode, 400)
    assert.match(missing.body, /query\/enable is required/)
    const unknown = await t.app.inject({ method: 'PUT', url: '/v1/agent/service/maintenance/zz?enable=true' })
    assert.equal(unknown.statusCode, 404)

    const node = await t.app.inject({ method: 'PUT', url: '/v1/agent/maintenance?enable=true' })
    assert.equal(node.statusCode, 200)
    assert.equal(t.ports.registry.nodeMaintenance(), true)
    const after = json(await t.app.inject({ method: 'GET', url: '/v1/agent/checks' }))
    assert.equal(after['_node_maintenance'].Status, 'critical')
    assert.equal(after['_node_maintenance'].ServiceID, '')
  })

  it('GET /v1/agent/members answers serf-style members', async () => {
    t = buildTestApi()
    t.ports.putNode({
      origin: '12D3KooWOther2222222222222222222222222222222222',
      name: 'n2',
      state: 'unreachable',
    })
    const res = await t.app.inject({ method: 'GET', url: '/v1/agent/members' })
    assert.equal(res.statusCode, 200)
    const members = json(res)
    assert.deepEqual(
      members.map((m: { Name: string; Status: number; Addr: string; Port: number }) => [
        m.Name,
        m.Status,
        m.Addr,
        m.Port,
      ]),
      [
        ['local-node', 1, '127.0.0.1', 7950],
        ['n2', 4, '127.0.0.1', 7950],
      ],
    )
    assert.equal(members[0].Tags.role, 'node')
    assert.equal(members[0].Tags.dc, 'dc1')
  })

  it('GET /v1/agent/self is an object of objects with Config, Member and no secrets', async () => {
    t = buildTestApi()
    t.ports.info = { config: { node: 'local-node', token: 's3cret' } }
    const res = await t.app.inject({ method: 'GET', url: '/v1/agent/self' })
    assert.equal(res.statusCode, 200)
    const self = json(res)
    for (const [k, v] of Object.entries(self)) assert.equal(typeof v, 'object', k)
    assert.equal(self.Config.Datacenter, 'dc1')
    assert.equal(self.Config.NodeName, 'local-node')
    assert.match(self.Config.NodeID, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
    assert.equal(self.Member.Name, 'local-node')
    assert.equal(self.Member.Status, 1)
    assert.doesNotMatch(res.body, /s3cret/)
  })
})

describe('consul conventions', () => {
  it('every answer carries X-Consul-Index ≥ 1, KnownLeader and LastContact', async () => {
    t = buildTestApi()
    for (const url of [
      '/v1/agent/services',
      '/v1/catalog/services',
      '/v1/health/service/x',
      '/v1/status/leader',
    ]) {
      const res = await t.app.inject({ method: 'GET', url })
      assert.equal(res.statusCode, 200, url)
      assert.ok(Number(res.headers['x-consul-index']) >= 1, url)
      assert.equal(res.headers['x-consul-knownleader'], 'true', url)
      assert.equal(res.headers['x-consul-lastcontact'], '0', url)
    }
  })

  it('?dc= accepts this datacenter (any case) and refuses others naming the valid one', async () => {
    t = buildTestApi()
    assert.equal((await t.app.inject({ method: 'GET', url: '/v1/catalog/services?dc=dc1' })).statusCode, 200)
    assert.equal((await t.app.inject({ method: 'GET', url: '/v1/catalog/services?dc=DC1' })).statusCode, 200)
    const other = await t.app.inject({ method: 'GET', url: '/v1/catalog/services?dc=eu-west' })
    assert.equal(other.statusCode, 400)
    assert.equal(other.headers['x-grapevine-error-code'], 'UNKNOWN_DATACENTER')
    assert.match(other.body, /unknown datacenter "eu-west".*only datacenter "dc1"/)
    const write = await t.app.inject({
      method: 'PUT',
      url: '/v1/agent/service/register?dc=eu-west',
      payload: web,
    })
    assert.equal(write.statusCode, 400)
    assert.equal(t.ports.registry.get('web1'), undefined)
  })

  it('takes the token from X-Consul-Token, Authorization: Bearer and ?token=', async () => {
    t = buildTestApi({ token: 'Zq9-secret' })
    const none = await register(web)
    assert.equal(none.statusCode, 401)
    assert.match(none.body, /X-Consul-Token/)
    const wrong = await register(web, { 'x-consul-token': 'nope' })
    assert.equal(wrong.statusCode, 403)
    assert.equal((await register(web, { 'x-consul-token': 'Zq9-secret' })).statusCode, 200)
    assert.equal((await register(web, { authorization: 'Bearer Zq9-secret' })).statusCode, 200)
    const q = await t.app.inject({
      method: 'PUT',
      url: '/v1/agent/service/register?token=Zq9-secret',
      payload: web,
    })
    assert.equal(q.statusCode, 200)
    const reads = await t.app.inject({ method: 'GET', url: '/v1/agent/services' })
    assert.equal(reads.statusCode, 200, 'the token gates writes only')
    const gets = await t.app.inject({ method: 'GET', url: '/v1/agent/service/deregister/web1' })
    assert.equal(gets.statusCode, 401, 'the GET forms of writes are writes')
    const tokenLogged = t.rawLogs.some((l) => l.includes('Zq9-secret'))
    assert.equal(tokenLogged, false, 'the token never reaches the log')
  })

  it('accepts and ignores consistency modes and other Consul query parameters', async () => {
    t = buildTestApi()
    const res = await t.app.inject({
      method: 'GET',
      url: '/v1/health/service/web?stale&consistent&cached&near=_agent&pretty&ns=default',
    })
    assert.equal(res.statusCode, 200)
    const reg = await t.app.inject({
      method: 'PUT',
      url: '/v1/agent/service/register?replace-existing-checks=true',
      payload: JSON.stringify(web),
    })
    assert.equal(reg.statusCode, 200)
  })

  it('unsupported Consul routes answer 404', async () => {
    t = buildTestApi()
    for (const url of ['/v1/kv/key', '/v1/session/list', '/v1/acl/tokens']) {
      assert.equal((await t.app.inject({ method: 'GET', url })).statusCode, 404, url)
    }
  })

  it('refuses ?filter= rather than answering unfiltered', async () => {
    t = buildTestApi()
    const res = await t.app.inject({
      method: 'GET',
      url: '/v1/catalog/services?filter=Service%20%3D%3D%20web',
    })
    assert.equal(res.statusCode, 400)
    assert.match(res.body, /filter= expressions are not supported/)
  })
})
