import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { AgentHarness, http } from '../helpers/agent-harness.ts'
import { waitFor } from '../helpers/wait-for.ts'

interface Instances {
  instances: Array<{ id: string; address: string; port: number; health: string; origin: { node: string } }>
}

describe('two agents on loopback', () => {
  const h = new AgentHarness()
  after(() => h.stopAll())

  it('an instance registered on one is served by the other, health included; deregister removes it', async () => {
    const a = await h.start('alpha')
    const b = await h.start('beta', { join: [AgentHarness.joinAddr(a)] })
    const reg = await http<{ id: string }>(a, 'POST', '/v1/instances', {
      id: 'web-1',
      service: 'web',
      address: '127.0.0.1',
      port: 8080,
      checks: [{ type: 'ttl', ttl: '30s', initialStatus: 'passing' }],
    })
    assert.equal(reg.status, 201)
    const seen = await waitFor('web on beta', async () => {
      const r = await http<Instances>(b, 'GET', '/v1/services/web')
      return r.status === 200 && r.body.instances.length === 1 ? r.body.instances[0] : undefined
    })
    assert.equal(seen.id, 'web-1')
    assert.equal(seen.origin.node, 'alpha')
    assert.equal(seen.health, 'passing')

    await http(a, 'PUT', '/v1/instances/web-1/health', { status: 'critical', note: 'down' })
    await waitFor('critical on beta', async () => {
      const r = await http<Instances>(b, 'GET', '/v1/services/web')
      return r.body.instances[0]?.health === 'critical'
    })

    assert.equal((await http(a, 'DELETE', '/v1/instances/web-1')).status, 200)
    await waitFor('web gone on beta', async () => {
      const r = await http<Instances>(b, 'GET', '/v1/services/web')
      return r.status === 404 || r.body.instances.length === 0
    })
  })

  it('a graceful leave removes the leaver from answers everywhere', async () => {
    const c = await h.start('gamma')
    const d = await h.start('delta', { join: [AgentHarness.joinAddr(c)] })
    await http(d, 'POST', '/v1/instances', { id: 'db-1', service: 'db', address: '127.0.0.1', port: 5432 })
    await waitFor(
      'db on gamma',
      async () => (await http<Instances>(c, 'GET', '/v1/services/db')).body?.instances?.length === 1,
    )
    await d.stop({ leave: true })
    await waitFor('db gone on gamma', async () => {
      const r = await http<Instances>(c, 'GET', '/v1/services/db')
      return r.status === 404 || r.body.instances.length === 0
    })
  })
})
