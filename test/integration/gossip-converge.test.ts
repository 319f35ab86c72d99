/**
 * Real libp2p on loopback TCP (mDNS off): delta gossip converges 10 agents, and an agent that
 * joins after the writes were gossiped catches up through anti-entropy sync alone.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Registry } from 'prom-client'
import {
  converged,
  createAgent,
  eventually,
  everyoneHas,
  QUIET_TIMING,
  register,
  startFleet,
  stopFleet,
  type TestAgent,
} from '../agent/gossip/harness.ts'

describe('gossip: convergence on 10 agents over loopback TCP', () => {
  let agents: TestAgent[] = []
  const extra: TestAgent[] = []

  before(async () => {
    agents = await startFleet(10, { syncIntervalMs: 60_000, timing: QUIET_TIMING })
  })
  after(async () => {
    await stopFleet([...agents, ...extra])
  })

  it('forms a mesh: every agent sees subscribers on the catalog topic', async () => {
    await eventually('catalog topic subscribers everywhere', () =>
      agents.every((a) => a.gossip.catalogSubscribers().length > 0),
    )
  })

  it('converges: one write per agent reaches all 10 byte-identically', async () => {
    const started = performance.now()
    const keys = agents.map((a, i) => register(a, `web-${i}`, 'web', 8000 + i))
    for (const key of keys) await everyoneHas(agents, key)
    const canonical = await converged(agents, '10 identical catalogs')
    const ms = performance.now() - started
    console.log(`# 10 agents: all writes visible everywhere in ${ms.toFixed(0)} ms`)
    for (const key of keys) assert.ok(canonical.includes(key))
  })

  it('batches a burst of local writes into deltas and delivers all of them', async () => {
    const keys = Array.from({ length: 50 }, (_, i) =>
      register(agents[3] as TestAgent, `burst-${i}`, 'burst', 9000 + i),
    )
    for (const key of keys) await everyoneHas(agents, key)
    await converged(agents, 'identical after a burst')
  })

  it('a late joiner catches up through sync alone', async () => {
    await converged(agents, 'fleet settled before the late joiner')
    const metrics = new Registry()
    const late = await createAgent(
      'late',
      { metrics, timing: QUIET_TIMING },
      agents[5]?.gossip.multiaddrs().slice(0, 1) ?? [],
    )
    extra.push(late)
    await late.gossip.start()
    const target = (agents[0] as TestAgent).store.canonical()
    await eventually('late joiner holds the whole catalog', () => {
      const others = late.store
        .canonical()
        .split('\n')
        .filter((l) => !l.includes(`"${late.origin}"`))
        .join('\n')
      return others === target
    })
    const counter = async (name: string): Promise<number> =>
      ((await metrics.getSingleMetric(name)?.get())?.values ?? []).reduce((n, v) => n + v.value, 0)
    assert.equal(await counter('grapevine_gossip_received_entries_total'), 0, 'nothing arrived by gossip')
    assert.ok((await counter('grapevine_gossip_sync_entries_total')) >= 60, 'everything arrived by sync')
    assert.ok(late.gossip.synced(), 'late joiner reports synced')
  })
})
