import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import { Compile } from 'typebox/compile'
import { InstancesAnswer } from '../../../agent/api/routes/services.ts'
import { instanceKey } from '../../../crdt/keys.ts'
import { waitFor } from '../../helpers/wait-for.ts'
import { buildTestApi, json, type TestApi } from './setup.ts'

let t: TestApi
afterEach(async () => {
  await t.app.close()
})

const REMOTE = '12D3KooWRemotePeer222222222222222222222222222222'

/** web: 3 local + 2 on a remote node, with assorted tags, meta, versions and health. */
function seed(api: TestApi): void {
  api.ports.putNode({ origin: REMOTE, name: 'remote-node' })
  api.ports.putInstance({
    id: 'w1',
    service: 'web',
    tags: ['blue', 'v1'],
    meta: { zone: 'a' },
    version: '1',
    weight: 1,
  })
  api.ports.putInstance({
    id: 'w2',
    service: 'web',
    tags: ['green'],
    meta: { zone: 'b' },
    version: '2',
    weight: 2,
  })
  api.ports.putInstance({
    id: 'w3',
    service: 'web',
    tags: ['blue'],
    meta: { zone: 'a' },
    version: '2',
    health: 'critical',
  })
  api.ports.putInstance(
    { id: 'r1', service: 'web', tags: ['blue'], version: '1', health: 'warning' },
    { origin: REMOTE },
  )
  api.ports.putInstance({ id: 'r2', service: 'web', tags: ['blue', 'v1'], version: '1' }, { origin: REMOTE })
  api.ports.putInstance({ id: 'd1', service: 'db', tags: ['primary'], health: 'maintenance' })
}

const ids = (res: { body: string }) => json(res).instances.map((i: { id: string }) => i.id)

describe('services routes', () => {
  it('GET /v1/services lists names, tags and counts by health', async () => {
    t = buildTestApi()
    seed(t)
    const res = await t.app.inject({ method: 'GET', url: '/v1/services' })
    assert.equal(res.statusCode, 200)
    assert.equal(res.headers['x-grapevine-index'], String(t.ports.currentIndex))
    assert.deepEqual(json(res), {
      services: [
        {
          name: 'db',
          tags: ['primary'],
          instances: 1,
          health: { passing: 0, warning: 0, critical: 0, maintenance: 1 },
        },
        {
          name: 'web',
          tags: ['blue', 'green', 'v1'],
          instances: 5,
          health: { passing: 3, warning: 1, critical: 1, maintenance: 0 },
        },
      ],
    })
  })

  it('GET /v1/services on an empty catalog answers an empty list with index ≥ 1', async () => {
    t = buildTestApi()
    const res = await t.app.inject({ method: 'GET', url: '/v1/services' })
    assert.deepEqual(json(res), { services: [] })
    assert.ok(Number(res.headers['x-grapevine-index']) >= 1)
  })

  it('GET /v1/services/:name answers every instance with origin and freshness', async () => {
    t = buildTestApi()
    seed(t)
    t.clock.advance(2500)
    const res = await t.app.inject({ method: 'GET', url: '/v1/services/WEB' })
    assert.equal(res.statusCode, 200)
    const body = json(res)
    assert.equal(body.service, 'web')
    assert.equal(body.instances.length, 5)
    const r1 = body.instances.find((i: { id: string }) => i.id === 'r1')
    assert.deepEqual(r1.origin, { node: 'remote-node', peerId: REMOTE })
    assert.equal(r1.local, false)
    assert.equal(r1.key, instanceKey(REMOTE, 'r1'))
    assert.equal(r1.freshness.ageMs, 2500)
    assert.match(r1.freshness.version, /^1700000000000\.\d+$/)
    const w1 = body.instances.find((i: { id: string }) => i.id === 'w1')
    assert.deepEqual(w1.origin, { node: 'local-node', peerId: t.ports.localOrigin })
    assert.equal(w1.local, true)
    assert.deepEqual(w1.meta, { zone: 'a' })
    t.clock.advance(1000)
    assert.ok(Compile(InstancesAnswer).Check(body), 'the hand-built bytes match the declared answer schema')
    const later = json(await t.app.inject({ method: 'GET', url: '/v1/services/web' }))
    assert.equal(
      later.instances[0].freshness.ageMs,
      3500,
      'age grows with the clock (cache keeps no stale age)',
    )
  })

  it('an unknown service answers an empty list', async () => {
    t = buildTestApi()
    const res = await t.app.inject({ method: 'GET', url: '/v1/services/ghost' })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(json(res), { service: 'ghost', instances: [] })
  })

  it('filters: passing, tag (all given), meta k:v, version, node', async () => {
    t = buildTestApi()
    seed(t)
    const get = (q: string) => t.app.inject({ method: 'GET', url: `/v1/services/web?${q}` })
    assert.deepEqual(ids(await get('passing')).sort(), ['r2', 'w1', 'w2'])
    assert.deepEqual(ids(await get('passing=true')).sort(), ['r2', 'w1', 'w2'])
    assert.equal(ids(await get('passing=false')).length, 5)
    assert.deepEqual(ids(await get('tag=blue')).sort(), ['r1', 'r2', 'w1', 'w3'])
    assert.deepEqual(ids(await get('tag=blue&tag=v1')).sort(), ['r2', 'w1'])
    assert.deepEqual(ids(await get('meta=zone:a')).sort(), ['w1', 'w3'])
    assert.deepEqual(ids(await get('meta=zone:a&meta=zone:b')), [])
    assert.deepEqual(ids(await get('version=2')).sort(), ['w2', 'w3'])
    assert.deepEqual(ids(await get('node=Remote-Node')).sort(), ['r1', 'r2'])
    assert.deepEqual(ids(await get('tag=blue&passing&node=local-node')), ['w1'])
  })

  it('the answer follows changes (pre-serialized answers are per view index)', async () => {
    t = buildTestApi()
    seed(t)
    assert.equal(ids(await t.app.inject({ method: 'GET', url: '/v1/services/web?tag=green' })).length, 1)
    t.ports.putInstance({ id: 'w9', service: 'web', tags: ['green'] })
    assert.deepEqual(ids(await t.app.inject({ method: 'GET', url: '/v1/services/web?tag=green' })).sort(), [
      'w2',
      'w9',
    ])
  })

  it('cached answers: reads with and without filters are kept apart and each follows a change, a blocking query and the clock', async () => {
    t = buildTestApi()
    seed(t)
    const get = (q = '') => t.app.inject({ method: 'GET', url: `/v1/services/web${q}` })
    const urls = ['', '?passing', '?passing=false', '?tag=blue', '?strategy=local_first&limit=2']
    const first = await Promise.all(urls.map((q) => get(q)))
    assert.deepEqual(
      first.map((r) => ids(r).length),
      [5, 3, 5, 4, 2],
    )
    // The same reads at the same clock reading answer the same bytes.
    assert.deepEqual(
      (await Promise.all(urls.map((q) => get(q)))).map((r) => r.body),
      first.map((r) => r.body),
    )
    // A change: w1 turns critical (and a read without filters must not answer from before it).
    t.ports.putInstance({
      id: 'w1',
      service: 'web',
      tags: ['blue', 'v1'],
      meta: { zone: 'a' },
      version: '1',
      health: 'critical',
    })
    const health = (r: { body: string }, id: string) =>
      json(r).instances.find((i: { id: string }) => i.id === id)?.health
    assert.equal(health(await get(), 'w1'), 'critical')
    assert.deepEqual(ids(await get('?passing')).sort(), ['r2', 'w2'])
    assert.equal(health(await get('?tag=blue'), 'w1'), 'critical')
    assert.equal(health(await get('?strategy=local_first&limit=2'), 'w1'), 'critical')
    // A blocking query on the current index wakes with the next change, not a cached answer.
    const index = Number((await get()).headers['x-grapevine-index'])
    const pending = get(`?index=${index}&wait=10s`)
    await waitFor('the query to block', () => t.ports.waiting === 1)
    t.ports.putInstance({ id: 'w9', service: 'web' })
    const woken = await pending
    assert.ok(Number(woken.headers['x-grapevine-index']) > index)
    assert.ok(ids(woken).includes('w9'))
    assert.ok(ids(await get()).includes('w9'))
    // The clock: every age grows by exactly the time passed, in a body built from the same cache.
    const before = json(await get('?tag=blue')).instances.map(
      (i: { freshness: { ageMs: number } }) => i.freshness.ageMs,
    )
    t.clock.advance(7)
    const after = json(await get('?tag=blue')).instances.map(
      (i: { freshness: { ageMs: number } }) => i.freshness.ageMs,
    )
    assert.deepEqual(
      after,
      before.map((a: number) => a + 7),
    )
  })

  it('strategy=round_robin rotates on every call', async () => {
    t = buildTestApi()
    seed(t)
    const firsts: string[] = []
    for (let i = 0; i < 6; i++) {
      firsts.push(ids(await t.app.inject({ method: 'GET', url: '/v1/services/web?strategy=round_robin' }))[0])
    }
    assert.equal(new Set(firsts.slice(0, 5)).size, 5, `each instance leads once: ${firsts}`)
    assert.equal(firsts[5], firsts[0])
  })

  it('strategy=random and strategy=weighted use the injected randomness', async () => {
    t = buildTestApi({}, { seed: 11 })
    seed(t)
    const orders = new Set<string>()
    for (let i = 0; i < 10; i++) {
      orders.add(ids(await t.app.inject({ method: 'GET', url: '/v1/services/web?strategy=random' })).join())
    }
    assert.ok(orders.size > 3, 'random orders vary')
    const counts: Record<string, number> = {}
    for (let i = 0; i < 600; i++) {
      const first = ids(
        await t.app.inject({
          method: 'GET',
          url: '/v1/services/web?strategy=weighted&passing&node=local-node',
        }),
      )[0]
      counts[first] = (counts[first] ?? 0) + 1
    }
    // w1 weight 1, w2 weight 2: w2 first about 2/3 of the time.
    const share = (counts['w2'] ?? 0) / 600
    assert.ok(share > 0.58 && share < 0.75, `w2 share ${share}`)
  })

  it('strategy=consistent_hash needs a key and is stable for it', async () => {
    t = buildTestApi()
    seed(t)
    const missing = await t.app.inject({ method: 'GET', url: '/v1/services/web?strategy=consistent_hash' })
    assert.equal(missing.statusCode, 400)
    assert.equal(json(missing).message, 'query/key is required when strategy is consistent_hash')
    const a = ids(
      await t.app.inject({ method: 'GET', url: '/v1/services/web?strategy=consistent_hash&key=user-7' }),
    )
    const b = ids(
      await t.app.inject({ method: 'GET', url: '/v1/services/web?strategy=consistent_hash&key=user-7' }),
    )
    assert.deepEqual(a, b)
    const firsts = new Set<string>()
    for (let i = 0; i < 40; i++) {
      firsts.add(
        ids(
          await t.app.inject({ method: 'GET', url: `/v1/services/web?strategy=consistent_hash&key=u${i}` }),
        )[0],
      )
    }
    assert.ok(firsts.size >= 4, 'different keys land on different instances')
  })

  it('strategy=local_first puts this agent’s instances first; limit cuts the list', async () => {
    t = buildTestApi()
    seed(t)
    t.ports.putInstance({ id: 'a0', service: 'web' }, { origin: REMOTE })
    const res = json(await t.app.inject({ method: 'GET', url: '/v1/services/web?strategy=local_first' }))
    assert.deepEqual(
      res.instances.map((i: { local: boolean }) => i.local),
      [true, true, true, false, false, false],
    )
    assert.deepEqual(
      ids(await t.app.inject({ method: 'GET', url: '/v1/services/web?strategy=local_first&limit=2' })).length,
      2,
    )
    assert.equal(ids(await t.app.inject({ method: 'GET', url: '/v1/services/web?limit=1' })).length, 1)
  })

  it('rejects bad names, strategies, limits and unknown query fields', async () => {
    t = buildTestApi()
    const cases: Array<[string, string]> = [
      [
        '/v1/services/bad.name',
        "params/name must be a service name: letters, digits, '-' and '_', starting and ending with a letter or digit, at most 63 characters",
      ],
      [
        '/v1/services/web?strategy=fastest',
        'query/strategy must be one of "round_robin", "random", "weighted", "consistent_hash", "local_first"',
      ],
      ['/v1/services/web?limit=0', 'query/limit must be an integer from 1 to 100000'],
      ['/v1/services/web?limit=ten', 'query/limit must be an integer from 1 to 100000'],
      ['/v1/services/web?meta=zone', 'query/meta/0 must be a string matching ^[A-Za-z0-9_.-]{1,128}:'],
      ['/v1/services/web?passing=maybe', 'query/passing must be one of "", "true", "false", "1", "0"'],
      [
        '/v1/services/web?node=a_b',
        "query/node must be a node name: letters, digits and '-', starting and ending with a letter or digit, at most 63 characters",
      ],
      ['/v1/services/web?index=-1', 'query/index must be an integer from 0 to 9007199254740991'],
    ]
    for (const [url, message] of cases) {
      const res = await t.app.inject({ method: 'GET', url })
      assert.equal(res.statusCode, 400, url)
      assert.deepEqual(json(res), { statusCode: 400, code: 'VALIDATION', error: 'Bad Request', message }, url)
    }
    const unknown = await t.app.inject({ method: 'GET', url: '/v1/services/web?tags=x' })
    assert.match(
      json(unknown).message,
      /^query\/tags is not an allowed field; allowed: index, wait, passing, tag, meta/,
    )
    const svcUnknown = await t.app.inject({ method: 'GET', url: '/v1/services?x=1' })
    assert.equal(svcUnknown.statusCode, 400)
  })
})
