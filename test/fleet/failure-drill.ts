import assert from 'node:assert/strict'
import type { TestContext } from 'node:test'
import { waitFor } from '../helpers/wait-for.ts'
import type { AgentFleet } from './agent-fleet.ts'
import { BOUNDS } from './bounds.ts'
import type { FleetAgent } from './fleet-agent.ts'

/**
 * The shared body of the crash and silent-host drills: a host stops answering (`fail`), its
 * instances must turn critical on every other agent within BOUNDS.failureMs, then leave every
 * answer within BOUNDS.reapMs; after `recover` it must be back with the same identity and the
 * same instances, each exactly once, on every agent (itself included) within BOUNDS.returnMs.
 */
export interface FailureDrill {
  readonly what: string
  fail(victim: FleetAgent): void | Promise<void>
  recover(victim: FleetAgent): void | Promise<void>
}

const INSTANCES = ['web', 'api'] as const

async function healthEverywhere(observers: readonly FleetAgent[], id: string, service: string) {
  const seen = await Promise.all(
    observers.map(async (o) => (await o.instancesOf(service)).filter((i) => i.id === id)),
  )
  return seen
}

export async function runFailureDrill(t: TestContext, f: AgentFleet, drill: FailureDrill): Promise<void> {
  const victim = f.agents[f.agents.length - 1]!
  const others = f.agents.filter((a) => a !== victim)
  const ids = INSTANCES.map((s) => ({ service: s, id: `${s}-${victim.name}` }))
  for (const { service, id } of ids) {
    await victim.register({ id, service, address: victim.host.ip, port: 8080 })
  }
  await Promise.all(
    others.map((a) => a.register({ id: `web-${a.name}`, service: 'web', address: a.host.ip, port: 8080 })),
  )
  await waitFor('the fleet agrees before the failure', () => f.agreed(), { timeoutMs: BOUNDS.coldStartMs })
  const peerIdBefore = victim.peerId

  const t0 = performance.now()
  await drill.fail(victim)
  await waitFor(
    `${victim.name}'s instances critical on every other agent`,
    async () => {
      for (const { service, id } of ids) {
        const seen = await healthEverywhere(others, id, service)
        if (!seen.every((list) => list.length === 1 && list[0]!.health === 'critical')) return false
      }
      return true
    },
    { timeoutMs: BOUNDS.failureMs, intervalMs: 50 },
  )
  const critical = performance.now() - t0
  await waitFor(
    `${victim.name}'s instances gone from every other agent's answers`,
    async () => {
      for (const { service, id } of ids) {
        const seen = await healthEverywhere(others, id, service)
        if (!seen.every((list) => list.length === 0)) return false
      }
      return true
    },
    { timeoutMs: BOUNDS.reapMs, intervalMs: 100 },
  )
  const gone = performance.now() - t0
  // The survivors still answer for each other.
  assert.ok(await f.allSee(others, others, 'alive'), 'survivors must still see each other alive')

  const t1 = performance.now()
  await drill.recover(victim)
  // A restart includes starting Node itself; the bound is on the agent, from ready to back.
  const recovered = performance.now() - t1
  const t2 = performance.now()
  let allAlive: number | undefined
  assert.equal(victim.peerId, peerIdBefore, 'same identity after recovery')
  const listing = await waitFor(
    `${victim.name} back with its instances, once each, on every agent`,
    async () => {
      if (!(await f.allSee(f.agents, f.agents, 'alive'))) return undefined
      allAlive ??= performance.now() - t2
      const l = await f.agreed()
      if (l === undefined) return undefined
      const lines = l.split('\n')
      for (const { id } of ids) {
        const mine = lines.filter((x) => x.split(' ')[2] === id)
        if (mine.length !== 1 || !mine[0]!.includes(' passing alive ')) return undefined
      }
      return l
    },
    { timeoutMs: BOUNDS.returnMs, intervalMs: 100 },
  )
  const back = performance.now() - t2
  const keys = listing.split('\n').map((l) => l.split(' ')[0])
  assert.equal(new Set(keys).size, keys.length, `no duplicate records:\n${listing}`)
  assert.equal(keys.length, others.length + ids.length)
  t.diagnostic(
    `${drill.what}: critical everywhere after ${Math.round(critical)} ms (bound ${BOUNDS.failureMs}), ` +
      `gone after ${Math.round(gone)} ms (bound ${BOUNDS.failureMs + BOUNDS.reapMs}), ` +
      `back everywhere ${Math.round(back)} ms after recovery (all members alive everywhere at ` +
      `${Math.round(allAlive ?? back)} ms; bound ${BOUNDS.returnMs}; recovery itself ${Math.round(recovered)} ms)`,
  )
}
