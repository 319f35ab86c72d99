import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import { tokensEqual } from '../../../agent/api/auth.ts'
import { buildTestApi, json, type TestApi } from './setup.ts'

let t: TestApi | undefined
afterEach(async () => {
  await t?.app.close()
  t = undefined
})

const SECRET = 's3cr3t-token-value'
const body = { service: 'web', port: 80 }

function api(token?: string): TestApi {
  t = buildTestApi(token === undefined ? {} : { token })
  return t
}

describe('ACL token for writes', () => {
  it('compares tokens', () => {
    assert.equal(tokensEqual('a', 'a'), true)
    assert.equal(tokensEqual('a', 'b'), false)
    assert.equal(tokensEqual('a', 'aa'), false)
  })

  it('no token configured: writes need none', async () => {
    const t = api()
    const res = await t.app.inject({ method: 'POST', url: '/v1/instances', payload: body })
    assert.equal(res.statusCode, 201)
  })

  it('missing token: 401 UNAUTHORIZED on every write route', async () => {
    const t = api(SECRET)
    const writes: Array<[string, string, object | undefined]> = [
      ['POST', '/v1/instances', body],
      ['PUT', '/v1/instances/w1', body],
      ['DELETE', '/v1/instances/w1', undefined],
      ['PUT', '/v1/instances/w1/health', { status: 'passing' }],
      ['PUT', '/v1/instances/w1/maintenance', { enable: true }],
      ['PUT', '/v1/agent/reload', undefined],
    ]
    for (const [method, url, payload] of writes) {
      const res = await t.app.inject({ method: method as 'PUT', url, ...(payload ? { payload } : {}) })
      assert.equal(res.statusCode, 401, `${method} ${url}`)
      assert.equal(json(res).code, 'UNAUTHORIZED')
      assert.match(json(res).message, /Authorization: Bearer/)
    }
    assert.equal(t.ports.reloads, 0)
    assert.equal(t.ports.registry.list().length, 0)
  })

  it('the token is checked before the body: no validation details or body reads for strangers', async () => {
    const t = api(SECRET)
    const bad = await t.app.inject({ method: 'POST', url: '/v1/instances', payload: { port: 'x' } })
    assert.equal(bad.statusCode, 401)
    const big = await t.app.inject({
      method: 'POST',
      url: '/v1/instances',
      payload: { service: 'web', port: 1, meta: { x: 'y'.repeat(40_000) } },
    })
    assert.equal(big.statusCode, 401)
  })

  it('wrong token: 403 FORBIDDEN, in either header', async () => {
    const t = api(SECRET)
    for (const headers of [{ authorization: 'Bearer nope' }, { 'x-grapevine-token': 'nope' }]) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/instances', payload: body, headers })
      assert.equal(res.statusCode, 403)
      assert.equal(json(res).code, 'FORBIDDEN')
    }
  })

  it('right token: accepted as Authorization: Bearer and as X-Grapevine-Token', async () => {
    const t = api(SECRET)
    const a = await t.app.inject({
      method: 'PUT',
      url: '/v1/instances/a',
      payload: body,
      headers: { authorization: `Bearer ${SECRET}` },
    })
    assert.equal(a.statusCode, 201)
    const b = await t.app.inject({
      method: 'PUT',
      url: '/v1/instances/b',
      payload: body,
      headers: { 'x-grapevine-token': SECRET },
    })
    assert.equal(b.statusCode, 201)
    const reload = await t.app.inject({
      method: 'PUT',
      url: '/v1/agent/reload',
      headers: { 'x-grapevine-token': SECRET },
    })
    assert.equal(reload.statusCode, 200)
    assert.equal(t.ports.reloads, 1)
  })

  it('reads need no token', async () => {
    const t = api(SECRET)
    for (const url of [
      '/v1/services',
      '/v1/services/web',
      '/v1/members',
      '/v1/agent',
      '/health',
      '/ready',
      '/metrics',
    ]) {
      const res = await t.app.inject({ method: 'GET', url })
      assert.equal(res.statusCode, 200, url)
    }
  })

  it('tokens never reach the log, from headers or the query string', async () => {
    const t = api(SECRET)
    await t.app.inject({
      method: 'POST',
      url: '/v1/instances',
      payload: body,
      headers: { authorization: `Bearer ${SECRET}` },
    })
    await t.app.inject({
      method: 'POST',
      url: '/v1/instances',
      payload: body,
      headers: { 'x-grapevine-token': 'wrong-one' },
    })
    await t.app.inject({ method: 'GET', url: `/v1/services?token=${SECRET}` })
    await t.app.inject({ method: 'GET', url: `/nowhere?a=1&token=${SECRET}&b=2` })
    const all = t.rawLogs.join('')
    assert.ok(t.logs.length >= 6, 'requests were logged')
    assert.ok(!all.includes(SECRET), 'the token is not in any log line')
    assert.ok(!all.includes('wrong-one'), 'a wrong token is not logged either')
    assert.ok(all.includes('token=[redacted]'))
    assert.ok(
      t.logs.every((l) => l['component'] === 'http'),
      'every line carries component',
    )
  })
})
