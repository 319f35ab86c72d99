import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import { redactSecrets } from '../../../agent/api/routes/agent.ts'
import { buildTestApi, json, type TestApi } from './setup.ts'

let t: TestApi | undefined
afterEach(async () => {
  await t?.app.close()
  t = undefined
})

function api(...args: Parameters<typeof buildTestApi>): TestApi {
  t = buildTestApi(...args)
  return t
}

const REMOTE = '12D3KooWRemotePeer222222222222222222222222222222'

describe('probes, metrics, members and the agent', () => {
  it('GET /health answers while the process runs', async () => {
    const t = api()
    const res = await t.app.inject({ method: 'GET', url: '/health' })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(json(res), { status: 'ok' })
  })

  it('GET /ready follows ports.readiness(): 200, or 503 with the reasons', async () => {
    const t = api()
    assert.deepEqual(json(await t.app.inject({ method: 'GET', url: '/ready' })), { ready: true, reasons: [] })
    t.ports.ready = { ready: false, reasons: ['state not loaded', 'no peer synced yet'] }
    const res = await t.app.inject({ method: 'GET', url: '/ready' })
    assert.equal(res.statusCode, 503)
    assert.deepEqual(json(res), {
      statusCode: 503,
      code: 'UNAVAILABLE',
      error: 'Service Unavailable',
      message: 'agent is not ready: state not loaded; no peer synced yet',
      ready: false,
      reasons: ['state not loaded', 'no peer synced yet'],
    })
  })

  it('GET /metrics is Prometheus text with the HTTP latency histogram by route pattern', async () => {
    const t = api()
    await t.app.inject({ method: 'GET', url: '/v1/services/web' })
    await t.app.inject({ method: 'GET', url: '/v1/services/db' })
    await t.app.inject({ method: 'GET', url: '/v1/services/bad.name' })
    await t.app.inject({ method: 'GET', url: '/nowhere' })
    await t.app.inject({ method: 'HEAD', url: '/v1/services/web' })
    const res = await t.app.inject({ method: 'GET', url: '/metrics' })
    assert.equal(res.statusCode, 200)
    assert.match(String(res.headers['content-type']), /^text\/plain/)
    assert.match(res.body, /# TYPE grapevine_http_request_duration_seconds histogram/)
    assert.match(
      res.body,
      /grapevine_http_request_duration_seconds_count\{route="\/v1\/services\/:name",method="GET",status="200"\} 2/,
    )
    assert.match(
      res.body,
      /grapevine_http_request_duration_seconds_count\{route="\/v1\/services\/:name",method="GET",status="400"\} 1/,
    )
    assert.match(res.body, /_count\{route="unmatched",method="GET",status="404"\} 1/)
    assert.match(res.body, /_count\{route="\/v1\/services\/:name",method="HEAD",status="200"\} 1/)
    assert.ok(!res.body.includes('bad.name'), 'raw URLs are not labels')
  })

  it('two servers on one registry share the histogram', async () => {
    const t = api()
    const { buildApiServer } = await import('../../../agent/api/server.ts')
    const { pino } = await import('pino')
    const other = buildApiServer(
      { ports: t.ports, logger: pino({ level: 'silent' }) },
      { bodyLimit: 1024, datacenter: 'dc1' },
    )
    await other.ready()
    await other.close()
  })

  it('GET /v1/members lists members with state and last contact', async () => {
    const t = api()
    t.ports.putNode({ origin: REMOTE, name: 'b-node', state: 'suspect', lastSeen: t.clock.now() - 4000 })
    const res = await t.app.inject({ method: 'GET', url: '/v1/members' })
    assert.equal(res.statusCode, 200)
    assert.ok(Number(res.headers['x-grapevine-index']) >= 1)
    const members = json(res).members
    assert.deepEqual(
      members.map((m: { name: string; state: string; local: boolean }) => [m.name, m.state, m.local]),
      [
        ['b-node', 'suspect', false],
        ['local-node', 'alive', true],
      ],
    )
    assert.equal(members[0].peerId, REMOTE)
    assert.equal(members[0].lastSeenAgoMs, 4000)
    assert.deepEqual(members[0].multiaddrs, [`/ip4/127.0.0.1/tcp/7950/p2p/${REMOTE}`])
  })

  it('GET /v1/agent describes the agent without secrets', async () => {
    const t = api()
    t.ports.info = {
      config: {
        node: 'local-node',
        token: 'hunter2',
        swarmKey: '/etc/key',
        nested: { apiToken: 'x', ok: 1 },
      },
    }
    t.clock.advance(5000)
    const res = await t.app.inject({ method: 'GET', url: '/v1/agent' })
    assert.equal(res.statusCode, 200)
    const body = json(res)
    assert.equal(body.nodeName, 'local-node')
    assert.equal(body.peerId, t.ports.localOrigin)
    assert.equal(body.datacenter, 'dc1')
    assert.equal(body.uptimeMs, 5000)
    assert.deepEqual(body.listen, ['/ip4/127.0.0.1/tcp/7950'])
    assert.deepEqual(body.config, {
      node: 'local-node',
      token: '[redacted]',
      swarmKey: '[redacted]',
      nested: { apiToken: '[redacted]', ok: 1 },
    })
    assert.ok(!res.body.includes('hunter2'))
  })

  it('redactSecrets leaves non-secrets and empty values alone', () => {
    assert.deepEqual(redactSecrets({ token: '', keygen: 'x', list: [{ password: 'p' }] }), {
      token: '',
      keygen: 'x',
      list: [{ password: '[redacted]' }],
    })
  })

  it('PUT /v1/agent/reload calls ports.reload() and answers what it loaded', async () => {
    const t = api()
    t.ports.reloadResult = { loaded: 3, errors: ['web.json: port must be an integer'] }
    const res = await t.app.inject({ method: 'PUT', url: '/v1/agent/reload' })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(json(res), { loaded: 3, errors: ['web.json: port must be an integer'] })
    assert.equal(t.ports.reloads, 1)
  })

  it('settings reach the server: connection limit and timeouts', async () => {
    const t = api({ maxConnections: 77, connectionTimeout: 1234 })
    assert.equal(t.app.server.maxConnections, 77)
    assert.equal(t.app.initialConfig.connectionTimeout, 1234)
    assert.equal(t.app.initialConfig.bodyLimit, 16 * 1024)
  })
})

describe('request bodies', () => {
  const reg = JSON.stringify({ service: 'web', port: 80 })
  for (const contentType of [
    undefined,
    'application/json',
    'application/json; charset=utf-8',
    'text/plain',
    'application/x-www-form-urlencoded',
    'application/octet-stream',
  ]) {
    it(`a JSON body is read with Content-Type ${contentType ?? '(none)'}`, async () => {
      const t = api()
      const res = await t.app.inject({
        method: 'PUT',
        url: '/v1/instances/w1',
        body: reg,
        headers: contentType === undefined ? {} : { 'content-type': contentType },
      })
      assert.equal(res.statusCode, 201, res.body)
    })
  }

  it('an empty body is fine where the route needs none, and named field by field where it does', async () => {
    const t = api()
    const reload = await t.app.inject({
      method: 'PUT',
      url: '/v1/agent/reload',
      body: '',
      headers: { 'content-type': 'application/json' },
    })
    assert.equal(reload.statusCode, 200)
    const maint = await t.app.inject({ method: 'PUT', url: '/v1/instances/w1/maintenance' })
    assert.equal(maint.statusCode, 400)
    assert.equal(json(maint).message, 'body/enable is required')
  })
})
