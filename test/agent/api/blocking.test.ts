import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import { holdMs, parseWait } from '../../../agent/api/blocking.ts'
import { waitFor } from '../../helpers/wait-for.ts'
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

describe('blocking queries', () => {
  it('parses waits', () => {
    assert.equal(parseWait('30s'), 30_000)
    assert.equal(parseWait('1m30s'), 90_000)
    assert.equal(parseWait('250ms'), 250)
    assert.equal(parseWait('2h'), 7_200_000)
    assert.equal(parseWait('1500'), 1500)
    assert.equal(parseWait('soon'), undefined)
    assert.equal(parseWait('10 s'), undefined)
  })

  it('holds for the wait (default 5 min, capped at 10 min) plus at most 1/16 jitter', () => {
    const opts = { defaultWaitMs: 300_000, maxWaitMs: 600_000 }
    assert.equal(holdMs(undefined, { ...opts, random: () => 0 }), 300_000)
    assert.equal(holdMs('1h', { ...opts, random: () => 0 }), 600_000)
    assert.equal(holdMs('16s', { ...opts, random: () => 0.5 }), 16_500)
    assert.ok(holdMs('16s', { ...opts, random: () => 0.999 }) <= 17_000)
    assert.throws(() => holdMs('never', { ...opts, random: () => 0 }), { code: 'VALIDATION' })
  })

  it('without index answers at once with the current index', async () => {
    const t = api()
    t.ports.putInstance({ id: 'w1', service: 'web' })
    const res = await t.app.inject({ method: 'GET', url: '/v1/services/web' })
    assert.equal(res.headers['x-grapevine-index'], String(t.ports.currentIndex))
  })

  it('an index already passed answers at once', async () => {
    const t = api()
    const started = performance.now()
    const res = await t.app.inject({ method: 'GET', url: '/v1/services/web?index=0&wait=5s' })
    assert.equal(res.statusCode, 200)
    assert.ok(performance.now() - started < 1000)
  })

  it('returns promptly when the view changes', async () => {
    const t = api()
    const index = t.ports.currentIndex
    const started = performance.now()
    const pending = t.app.inject({ method: 'GET', url: `/v1/services/web?index=${index}&wait=10s` })
    await waitFor('the query to block', () => t.ports.waiting === 1)
    t.ports.putInstance({ id: 'w1', service: 'web' })
    const res = await pending
    const took = performance.now() - started
    assert.ok(took < 5000, `took ${took} ms (the wait was 10 s)`)
    assert.equal(Number(res.headers['x-grapevine-index']), index + 1)
    assert.equal(json(res).instances.length, 1)
  })

  it('otherwise answers at wait, unchanged', async () => {
    const t = api({}, { seed: 1 })
    const index = t.ports.currentIndex
    const started = performance.now()
    const res = await t.app.inject({ method: 'GET', url: `/v1/services?index=${index}&wait=300ms` })
    const took = performance.now() - started
    assert.ok(took >= 290 && took < 5000, `took ${took} ms`)
    assert.equal(res.headers['x-grapevine-index'], String(index))
  })

  it('every read route blocks the same way', async () => {
    const t = api()
    await t.app.inject({ method: 'PUT', url: '/v1/instances/w1', payload: { service: 'web', port: 1 } })
    for (const url of ['/v1/services', '/v1/services/web', '/v1/instances/w1', '/v1/members', '/v1/agent']) {
      const index = t.ports.currentIndex
      const pending = t.app.inject({ method: 'GET', url: `${url}?index=${index}&wait=10s` })
      await waitFor(`${url} to block`, () => t.ports.waiting === 1)
      t.ports.putInstance({ id: 'other', service: 'db' })
      const res = await pending
      assert.equal(res.statusCode, 200, url)
      assert.equal(Number(res.headers['x-grapevine-index']), index + 1, url)
    }
  })

  it('a malformed wait is a validation error', async () => {
    const t = api()
    const res = await t.app.inject({ method: 'GET', url: '/v1/services?index=1&wait=forever' })
    assert.equal(res.statusCode, 400)
    assert.equal(json(res).code, 'VALIDATION')
    assert.equal(
      json(res).message,
      'query/wait must be a duration such as 250ms, 30s or 5m (bare numbers are milliseconds)',
    )
  })

  it('server close releases held queries', async () => {
    const t = api()
    const pending = t.app.inject({
      method: 'GET',
      url: `/v1/services?index=${t.ports.currentIndex}&wait=60s`,
    })
    await waitFor('the query to block', () => t.ports.waiting === 1)
    const started = performance.now()
    await t.app.close()
    const res = await pending
    assert.equal(res.statusCode, 200)
    assert.ok(performance.now() - started < 5000, 'well before the 60 s wait')
  })
})
