import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { AgentHarness, http } from '../helpers/agent-harness.ts'
import { waitFor } from '../helpers/wait-for.ts'

interface Instances {
  instances: Array<{ id: string; origin: { peerId: string } }>
}

describe('restart with the same data dir', () => {
  const h = new AgentHarness()
  const dir = mkdtempSync(join(tmpdir(), 'gv-restart-'))
  after(async () => {
    await h.stopAll()
    rmSync(dir, { recursive: true, force: true })
  })

  for (const leave of [true, false]) {
    it(`100 instances come back with the same identity and ids, no duplicates anywhere (stop ${leave ? 'with' : 'without'} leave)`, async () => {
      const b = await h.start(leave ? 'observer-1' : 'observer-2')
      const a1 = await h.start('restarter', { join: [AgentHarness.joinAddr(b)] }, join(dir, String(leave)))
      const peerId = a1.store.origin
      for (let i = 0; i < 100; i++) {
        const r = await http(a1, 'POST', '/v1/instances', {
          id: `svc-${i}`,
          service: 'api',
          address: '127.0.0.1',
          port: 9000 + i,
        })
        assert.equal(r.status, 201)
      }
      await waitFor(
        '100 on observer',
        async () => (await http<Instances>(b, 'GET', '/v1/services/api')).body.instances?.length === 100,
      )
      await a1.stop({ leave })
      const a2 = await h.start('restarter', { join: [AgentHarness.joinAddr(b)] }, join(dir, String(leave)))
      assert.equal(a2.store.origin, peerId, 'same identity')
      assert.deepEqual(
        a2.registry
          .list()
          .map((l) => l.id)
          .sort(),
        Array.from({ length: 100 }, (_, i) => `svc-${i}`).sort(),
      )
      const seen = await waitFor('100 passing again on observer', async () => {
        const r = await http<Instances>(b, 'GET', '/v1/services/api?passing=true')
        return r.body.instances?.length === 100 ? r.body.instances : undefined
      })
      assert.equal(new Set(seen.map((s) => s.id)).size, 100, 'no duplicate ids')
      assert.ok(seen.every((s) => s.origin.peerId === peerId))
      const all = await http<Instances>(b, 'GET', '/v1/services/api')
      assert.equal(all.body.instances.length, 100, 'no stale copies of the old incarnation')
    })
  }
})
