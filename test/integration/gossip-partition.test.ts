/**
 * A 5|5 partition by connection gating on real libp2p (loopback TCP, mDNS off): both sides keep
 * accepting writes, and after the heal every agent holds a byte-identical catalog containing every
 * acknowledged write (the last version of each key, deletions included).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  converged,
  eventually,
  instanceValue,
  Partition,
  QUIET_TIMING,
  register,
  startFleet,
  stopFleet,
  type TestAgent,
} from '../agent/gossip/harness.ts'

describe('gossip: a 5|5 partition heals to identical catalogs', () => {
  const partition = new Partition()
  let agents: TestAgent[] = []

  before(async () => {
    agents = await startFleet(10, { timing: QUIET_TIMING, gater: partition, syncIntervalMs: 1_000 })
    for (const a of agents) register(a, 'before', 'web', 80)
    await converged(agents, 'fleet converged before the partition')
  })
  after(async () => {
    await stopFleet(agents)
  })

  it('keeps writing on both sides, then heals with every acknowledged write present', async () => {
    const left = agents.slice(0, 5)
    const right = agents.slice(5)
    partition.set([left.map((a) => a.origin), right.map((a) => a.origin)])
    await partition.cut(agents)
    await eventually('no connection crosses the partition', () =>
      left.every((a) => a.gossip.peers().every((p) => !right.some((b) => b.origin === p))),
    )

    // Acknowledged writes: key -> the canonical value (null = deleted) every agent must end with.
    const acknowledged = new Map<string, unknown>()
    const write = (agent: TestAgent, id: string, port: number): void => {
      const entry = agent.store.writeLocal(`inst/${agent.origin}/${id}`, instanceValue(id, 'web', port))
      acknowledged.set(entry.key, entry.value)
    }
    for (const [i, a] of left.entries()) write(a, `left-${i}`, 1000 + i)
    for (const [i, a] of right.entries()) write(a, `right-${i}`, 2000 + i)
    // Updates and a delete of records written before the partition, on both sides.
    write(left[0] as TestAgent, 'before', 81)
    write(right[0] as TestAgent, 'before', 82)
    const deleted = (right[1] as TestAgent).store.writeLocal(`inst/${right[1]?.origin}/before`, null)
    acknowledged.set(deleted.key, null)

    await converged(left, 'left side converged during the partition')
    await converged(right, 'right side converged during the partition')
    for (const a of left)
      assert.equal(a.store.get(`inst/${right[0]?.origin}/right-0`), undefined, 'partition leaked')

    const healStarted = performance.now()
    partition.heal()
    const canonical = await converged(agents, 'all 10 identical after the heal')
    console.log(
      `# partition healed: identical catalogs ${(performance.now() - healStarted).toFixed(0)} ms after the heal`,
    )
    for (const a of agents) {
      assert.equal(a.store.canonical(), canonical)
      for (const [key, value] of acknowledged) {
        assert.deepEqual(a.store.get(key)?.value, value, `${a.name}: ${key}`)
      }
    }
  })
})
