import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import { ERROR_CODES, type ErrorCode, GrapevineError } from '../../../agent/errors.ts'
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

function assertShape(
  res: { statusCode: number; body: string; headers: Record<string, unknown> },
  code: ErrorCode,
) {
  const body = json(res)
  assert.deepEqual(Object.keys(body).slice(0, 4).sort(), ['code', 'error', 'message', 'statusCode'])
  assert.equal(body.code, code)
  assert.equal(body.statusCode, ERROR_CODES[code])
  assert.equal(res.statusCode, ERROR_CODES[code])
  assert.equal(typeof body.error, 'string')
  assert.ok(body.message.length > 10, 'the message says something')
  assert.match(String(res.headers['content-type']), /application\/json/)
}

describe('error answers: one shape for every class', () => {
  it('VALIDATION', async () => {
    const t = api()
    assertShape(
      await t.app.inject({ method: 'POST', url: '/v1/instances', payload: { service: 'web' } }),
      'VALIDATION',
    )
  })

  it('BAD_REQUEST: a body that is not JSON', async () => {
    const t = api()
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/instances',
      body: '{"service": "web",',
      headers: { 'content-type': 'application/json' },
    })
    assertShape(res, 'BAD_REQUEST')
    assert.match(json(res).message, /^body is not valid JSON/)
  })

  it('BAD_REQUEST: prototype poisoning is refused', async () => {
    const t = api()
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/instances',
      body: '{"service":"web","port":1,"__proto__":{"x":1}}',
      headers: { 'content-type': 'application/json' },
    })
    assertShape(res, 'BAD_REQUEST')
  })

  it('UNAUTHORIZED and FORBIDDEN', async () => {
    const t = api({ token: 'tok' })
    assertShape(await t.app.inject({ method: 'PUT', url: '/v1/agent/reload' }), 'UNAUTHORIZED')
    assertShape(
      await t.app.inject({ method: 'PUT', url: '/v1/agent/reload', headers: { authorization: 'Bearer x' } }),
      'FORBIDDEN',
    )
  })

  it('NOT_FOUND: unknown route and unknown instance', async () => {
    const t = api()
    const route = await t.app.inject({ method: 'GET', url: '/v2/whatever' })
    assertShape(route, 'NOT_FOUND')
    assert.match(json(route).message, /no route GET \/v2\/whatever; see docs\/http-api\.md/)
    assertShape(await t.app.inject({ method: 'DELETE', url: '/v1/instances/x' }), 'NOT_FOUND')
  })

  it('PAYLOAD_TOO_LARGE: a body over the limit', async () => {
    const t = api({ bodyLimit: 1024 })
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/instances',
      payload: { service: 'web', port: 1, meta: { big: 'x'.repeat(2000) } },
    })
    assertShape(res, 'PAYLOAD_TOO_LARGE')
    assert.match(json(res).message, /1024 bytes/)
  })

  it('UNSUPPORTED_MEDIA_TYPE: a body declared as something other than JSON', async () => {
    const t = api()
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/instances',
      body: '<service/>',
      headers: { 'content-type': 'application/xml' },
    })
    assertShape(res, 'UNSUPPORTED_MEDIA_TYPE')
  })

  it('a GrapevineError from the agent keeps its status and code', async () => {
    const t = api()
    const thrown: ErrorCode[] = ['SCRIPT_CHECKS_DISABLED', 'CONFLICT', 'UNAVAILABLE', 'VALIDATION']
    for (const code of thrown) {
      t.ports.registry.register = async () => {
        throw new GrapevineError(code, `refused for a reason (${code})`)
      }
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/instances',
        payload: { service: 'web', port: 1 },
      })
      assertShape(res, code)
      assert.equal(json(res).message, `refused for a reason (${code})`)
    }
  })

  it('UNAVAILABLE: /ready when the agent is not ready', async () => {
    const t = api()
    t.ports.ready = { ready: false, reasons: ['state not loaded'] }
    assertShape(await t.app.inject({ method: 'GET', url: '/ready' }), 'UNAVAILABLE')
  })

  it('INTERNAL: anything else, without leaking what went wrong', async () => {
    const t = api()
    t.ports.registry.register = async () => {
      throw new Error('disk /var/secret/place exploded')
    }
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/instances',
      payload: { service: 'web', port: 1 },
    })
    assertShape(res, 'INTERNAL')
    assert.ok(!res.body.includes('exploded'))
    assert.ok(!res.body.includes('/var/secret'))
    assert.equal(typeof res.headers['x-request-id'], 'string')
    const logged = t.logs.find((l) => l['msg'] === 'request failed')
    assert.ok(logged, 'the cause is logged')
    assert.match(JSON.stringify(logged), /exploded/)
  })

  it('with request logs off, a request logs nothing and an internal error is still logged', async () => {
    const t = api({ logRequests: false })
    t.app.get('/v1/test/request-log', async (request) => {
      request.log.warn({ marker: 1 }, 'from a route')
      return { ok: true }
    })
    assert.equal((await t.app.inject({ method: 'GET', url: '/v1/services/web' })).statusCode, 200)
    assert.deepEqual(t.logs, [], 'no line per request')
    await t.app.inject({ method: 'GET', url: '/v1/test/request-log' })
    assert.equal(t.logs.length, 1)
    assert.equal(t.logs[0]?.['component'], 'http', "request.log is the server's logger")
    assert.equal(t.logs[0]?.['msg'], 'from a route')
    t.ports.registry.register = async () => {
      throw new Error('disk exploded')
    }
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/instances',
      payload: { service: 'web', port: 1 },
    })
    assertShape(res, 'INTERNAL')
    const logged = t.logs.find((l) => l['msg'] === 'request failed')
    assert.ok(logged, 'the cause is logged')
    assert.equal(logged['component'], 'http')
    assert.equal(logged['reqId'], res.headers['x-request-id'])
    assert.match(JSON.stringify(logged), /exploded/)
  })

  it('a path parameter beyond the router limit is still a JSON error', async () => {
    const t = api()
    const res = await t.app.inject({ method: 'GET', url: `/v1/instances/${'x'.repeat(600)}` })
    assertShape(res, 'BAD_REQUEST')
    assert.equal(json(res).message, 'a path segment is longer than 512 characters')
    assertShape(await t.app.inject({ method: 'GET', url: '/v1/services/%E0%A4%A' }), 'BAD_REQUEST')
  })
})
