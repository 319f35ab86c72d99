import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { waitFor } from '../helpers/wait-for.ts'
import { AgentFleet } from './agent-fleet.ts'
import { BOUNDS } from './bounds.ts'
import type { FleetAgent } from './fleet-agent.ts'

/**
 * Drill 2, partition: cut the fleet 3|2 (the two sides on separate switches: packets across
 * vanish, no resets), register, deregister and flip health on both sides while each side has
 * reaped the other, then heal. Within BOUNDS.healMs every agent must answer the same records at
 * the same versions with the same health, every acknowledged write present, no deleted
 * instance back.
 */
let fleet: AgentFleet | undefined
after(() => fleet?.close())

const TTL_CHECK = [{ type: 'ttl', ttl: '10m', initialStatus: 'passing' }]

function web(a: FleetAgent) {
  return { id: `web-${a.name}`, service: 'web', address: a.host.ip, port: 8080, checks: TTL_CHECK }
}

function find(listing: string, id: string): string | undefined {
  return listing.split('\n').find((l) => l.split(' ')[2] === id)
}

test('partition 3|2 with writes on both sides heals to identical answers', async (t) => {
  fleet = await AgentFleet.start(5)
  const f = fleet
  const [h1, h2, h3, h4, h5] = f.agents as [FleetAgent, FleetAgent, FleetAgent, FleetAgent, FleetAgent]
  const sideA = [h1, h2, h3]
  const sideB = [h4, h5]
  for (const a of f.agents) await a.register(web(a))
  for (const a of [h2, h5]) {
    await a.register({ id: `old-${a.name}`, service: 'old', address: a.host.ip, port: 9000 })
  }
  await waitFor('agreement before the cut', () => f.agreed(), { timeoutMs: BOUNDS.coldStartMs })

  f.fleet.partition(sideB.map((a) => a.host))
  await waitFor(
    'each side sees the other unreachable',
    async () =>
      (await f.allSee(sideA, sideB, 'unreachable')) && (await f.allSee(sideB, sideA, 'unreachable')),
    { timeoutMs: BOUNDS.failureMs, intervalMs: 100 },
  )

  // Acknowledged writes on both sides of the cut.
  await h1.register({ id: 'new-h1', service: 'new', address: h1.host.ip, port: 9100 })
  await h2.deregister('old-h2')
  await h3.setHealth('web-h3', 'critical')
  await h4.register({ id: 'new-h4', service: 'new', address: h4.host.ip, port: 9100 })
  await h5.deregister('old-h5')
  await h4.setHealth('web-h4', 'warning')
  await h5.setHealth('web-h5', 'critical')

  // Hold the cut until each side has reaped the other (the harder case: records must come back).
  await waitFor(
    'each side has dropped the other side from its answers',
    async () => {
      const a = await h1.listing()
      const b = await h4.listing()
      return find(a, 'web-h4') === undefined && find(b, 'web-h1') === undefined
    },
    { timeoutMs: BOUNDS.reapMs, intervalMs: 200 },
  )

  const t0 = performance.now()
  f.fleet.heal()
  const listing = await waitFor(
    'every agent answers the same instances and health',
    async () => {
      if (!(await f.allSee(f.agents, f.agents, 'alive'))) return undefined
      return f.agreed()
    },
    { timeoutMs: BOUNDS.healMs, intervalMs: 100 },
  )
  const healed = performance.now() - t0
  t.diagnostic(`partition 3|2: agreed ${Math.round(healed)} ms after heal (bound ${BOUNDS.healMs} ms)`)

  const expect: Array<[string, string | undefined]> = [
    ['web-h1', 'passing'],
    ['web-h2', 'passing'],
    ['web-h3', 'critical'],
    ['web-h4', 'warning'],
    ['web-h5', 'critical'],
    ['new-h1', 'passing'],
    ['new-h4', 'passing'],
    ['old-h2', undefined],
    ['old-h5', undefined],
  ]
  for (const [id, health] of expect) {
    const line = find(listing, id)
    if (health === undefined) assert.equal(line, undefined, `${id} was deleted and must not come back`)
    else assert.equal(line?.split(' ')[5], health, `${id}: ${line}`)
  }
  assert.equal(listing.split('\n').length, 7, listing)
})
