/**
 * Membership on real libp2p (loopback TCP, mDNS off, fast timing): a node lost without a goodbye
 * becomes unreachable everywhere (its instances critical), is reaped later, and comes back when it
 * returns; a graceful leave shows as 'left' everywhere at once, never via suspicion. No live node
 * is ever declared unreachable.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { MemberChangeEvent } from '../../agent/gossip/membership.ts'
import { nodeKey } from '../../crdt/keys.ts'
import type { NodeValue } from '../../crdt/schema.ts'
import { effectiveHealth } from '../../crdt/view.ts'
import {
  createAgent,
  eventually,
  everyoneHas,
  FAST_TIMING,
  register,
  startFleet,
  stopFleet,
  type TestAgent,
} from '../agent/gossip/harness.ts'

const TIMING = { ...FAST_TIMING, reapAfterMs: 1_500 }

/** The health answers give an instance of `subject`, as `observer` sees it now (passing on its own). */
function healthOn(observer: TestAgent, subject: TestAgent): string | undefined {
  const node = observer.store.get(nodeKey(subject.origin))?.value as NodeValue | null | undefined
  const state = observer.gossip.members().get(subject.origin)?.state ?? 'alive'
  return effectiveHealth('passing', { state, maintenance: node?.maintenance ?? false })
}

describe('gossip membership: failure, reap, return, leave', () => {
  let agents: TestAgent[] = []
  const restarted: TestAgent[] = []
  const events = new Map<string, MemberChangeEvent[]>()
  const history: Array<{ observer: string; event: MemberChangeEvent; health: string | undefined }> = []

  before(async () => {
    agents = await startFleet(5, { timing: TIMING })
    for (const a of agents) {
      a.gossip.on('member:change', (event) => {
        const subject = agents.find((b) => b.origin === event.origin)
        const health = subject === undefined ? undefined : healthOn(a, subject)
        history.push({ observer: a.name, event, health })
        const list = events.get(a.origin)
        if (list === undefined) events.set(a.origin, [event])
        else list.push(event)
      })
    }
    await eventually('everyone sees 4 alive members', () =>
      agents.every((a) => [...a.gossip.members().values()].filter((m) => m.state === 'alive').length === 4),
    )
  })
  after(async () => {
    await stopFleet([...agents, ...restarted])
  })

  it('a node lost without a goodbye is unreachable everywhere, its instances critical', async () => {
    const victim = agents[4] as TestAgent
    const key = register(victim, 'api-1', 'api')
    await everyoneHas(agents, key)
    const observers = agents.slice(0, 4)
    const started = performance.now()
    await victim.gossip.stop({ leave: false })
    // Under load an observer may pass through unreachable to reaped between two polls: judge by
    // the events, and read the instance's health at the moment each observer declared it.
    await eventually('victim declared unreachable by every observer', () =>
      observers.every((o) =>
        history.some(
          (h) => h.observer === o.name && h.event.origin === victim.origin && h.event.state === 'unreachable',
        ),
      ),
    )
    console.log(
      `# failure detected everywhere in ${(performance.now() - started).toFixed(0)} ms (heartbeat ${TIMING.heartbeatMs} ms)`,
    )
    const healthWhenDeclared = history
      .filter((h) => h.event.origin === victim.origin && h.event.state === 'unreachable')
      .map((h) => h.health)
    assert.ok(healthWhenDeclared.length >= observers.length)
    for (const health of healthWhenDeclared) assert.equal(health, 'critical')
  })

  it('is reaped (gone from answers) after reapAfter, and comes back when it returns', async () => {
    const victim = agents[4] as TestAgent
    const observers = agents.slice(0, 4)
    await eventually('victim reaped everywhere', () =>
      observers.every((o) => o.gossip.members().get(victim.origin)?.reaped === true),
    )
    for (const o of observers) {
      assert.equal(o.gossip.members().get(victim.origin)?.state, 'left')
      assert.equal(healthOn(o, victim), undefined)
    }
    const back = await createAgent(
      'agent-4',
      { timing: TIMING, restart: { privateKey: victim.privateKey, store: victim.store } },
      agents[0]?.gossip.multiaddrs().slice(0, 1) ?? [],
    )
    restarted.push(back)
    await back.gossip.start()
    await eventually('returned node alive everywhere', () =>
      observers.every((o) => o.gossip.members().get(victim.origin)?.state === 'alive'),
    )
    const key = register(back, 'api-2', 'api')
    await everyoneHas(observers, key)
  })

  it('a graceful leave is seen as left everywhere at once, not via suspicion', async () => {
    const leaver = agents[3] as TestAgent
    const observers = agents.slice(0, 3)
    for (const o of observers) events.set(o.origin, [])
    const started = performance.now()
    await leaver.gossip.stop()
    await eventually('leaver left on every observer', () =>
      observers.every((o) => o.gossip.members().get(leaver.origin)?.state === 'left'),
    )
    const ms = performance.now() - started
    console.log(`# graceful leave seen everywhere in ${ms.toFixed(0)} ms`)
    for (const o of observers) {
      const seen = (events.get(o.origin) ?? []).filter((e) => e.origin === leaver.origin).map((e) => e.state)
      assert.deepEqual(seen, ['left'], `${o.name} saw ${seen.join(' -> ')}`)
      assert.equal(healthOn(o, leaver), undefined)
    }
  })

  it('never declared a live node unreachable', () => {
    const dead = new Set([agents[3]?.origin, agents[4]?.origin])
    assert.ok(history.length > 0)
    for (const { observer, event } of history) {
      if (!dead.has(event.origin)) {
        assert.notEqual(event.state, 'unreachable', `${observer} declared ${event.origin} unreachable`)
      }
    }
  })
})
