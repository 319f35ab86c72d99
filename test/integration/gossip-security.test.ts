/**
 * Fleet security on real libp2p (loopback TCP, mDNS off): forged records are rejected everywhere
 * (by the gossip validator, which lowers the forger's gossipsub score, and by sync, which verifies
 * every relayed record end to end), and a node without the swarm key never connects.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { peerIdFromString } from '@libp2p/peer-id'
import { asPubsub } from '../../agent/gossip/gossipsub.ts'
import { signerFor } from '../../agent/gossip/identity.ts'
import { generateSwarmKey } from '../../agent/gossip/swarm-key.ts'
import { CATALOG_TOPIC } from '../../agent/gossip/topics.ts'
import { instanceKey } from '../../crdt/keys.ts'
import { signEntry } from '../../crdt/signing.ts'
import { encodeFrame } from '../../crdt/wire.ts'
import {
  counter,
  createAgent,
  eventually,
  everyoneHas,
  instanceValue,
  QUIET_TIMING,
  register,
  startFleet,
  stopFleet,
  type TestAgent,
} from '../agent/gossip/harness.ts'

describe('gossip security: forged records', () => {
  let agents: TestAgent[] = []
  let evil: TestAgent

  before(async () => {
    agents = await startFleet(4, { timing: QUIET_TIMING, syncIntervalMs: 60_000 })
    // The forger is a fleet member (holds the swarm key, if any) whose store accepts anything.
    evil = await createAgent(
      'evil',
      { timing: QUIET_TIMING, syncIntervalMs: 60_000, unsafeVerify: () => true },
      agents[0]?.gossip.multiaddrs().slice(0, 1) ?? [],
    )
    await evil.gossip.start()
    await eventually(
      'the forger and the fleet see each other on the catalog topic',
      () =>
        evil.gossip.catalogSubscribers().length === agents.length &&
        agents.every((a) => a.gossip.catalogSubscribers().includes(evil.origin)),
    )
  })
  after(async () => {
    await stopFleet([...agents, evil])
  })

  it('a delta signed by A claiming origin B is rejected by every neighbour, and A loses score', async () => {
    const victim = agents[1] as TestAgent
    const key = instanceKey(victim.origin, 'forged')
    const forged = signEntry(
      {
        key,
        origin: victim.origin,
        hlc: { wall: Date.now(), count: 0 },
        value: instanceValue('forged', 'bank', 1),
      },
      signerFor(evil.privateKey),
    )
    const before = agents.map((a) => a.gossip.score(evil.origin))
    const neighbours = agents.filter((a) => evil.gossip.catalogSubscribers().includes(a.origin))
    await asPubsub(evil.gossip.node?.services.pubsub).publish(
      CATALOG_TOPIC,
      encodeFrame({ v: 1, kind: 'delta', entries: [forged] }),
    )
    assert.ok(neighbours.length > 0)
    await eventually('the forger is penalised by every neighbour', () =>
      neighbours.every((a) => a.gossip.score(evil.origin) < 0),
    )
    const after = agents.map((a) => a.gossip.score(evil.origin))
    console.log(`# forger score before ${before.join(',')} after ${after.map((s) => s.toFixed(1)).join(',')}`)
    // An honest write after the forgery still spreads, so the forged one had every chance.
    const honest = register(agents[2] as TestAgent, 'honest')
    await everyoneHas(agents, honest)
    for (const a of agents) assert.equal(a.store.get(key), undefined, `${a.name} holds the forged record`)
    for (const a of neighbours) {
      assert.ok((await counter(a, 'grapevine_gossip_rejected_total', { reason: 'foreign-origin' })) >= 1)
    }
  })

  it('a record with a broken signature from its own origin is rejected too', async () => {
    const key = instanceKey(evil.origin, 'tampered')
    const signed = signEntry(
      {
        key,
        origin: evil.origin,
        hlc: { wall: Date.now(), count: 0 },
        value: instanceValue('tampered', 'x', 1),
      },
      signerFor(evil.privateKey),
    )
    const tampered = { ...signed, value: instanceValue('tampered', 'x', 2) }
    await asPubsub(evil.gossip.node?.services.pubsub).publish(
      CATALOG_TOPIC,
      encodeFrame({ v: 1, kind: 'delta', entries: [tampered] }),
    )
    const honest = register(agents[3] as TestAgent, 'honest-2')
    await everyoneHas(agents, honest)
    for (const a of agents) assert.equal(a.store.get(key), undefined)
  })

  it('forged records relayed through sync are rejected by signature (end to end)', async () => {
    const victim = agents[2] as TestAgent
    const key = instanceKey(victim.origin, 'forged-by-sync')
    const forged = signEntry(
      {
        key,
        origin: victim.origin,
        hlc: { wall: Date.now(), count: 0 },
        value: instanceValue('forged-by-sync', 'bank', 1),
      },
      signerFor(evil.privateKey),
    )
    // The forger's permissive store takes it; now it serves it to whoever syncs with it.
    assert.equal(evil.store.mergeRemote([forged]).applied.length, 1)
    let synced = 0
    for (const a of agents) {
      if (a.gossip.peers().includes(evil.origin)) {
        await a.gossip.syncWith(peerIdFromString(evil.origin))
        synced++
      }
    }
    assert.ok(synced > 0, 'someone synced with the forger')
    for (const a of agents)
      assert.equal(a.store.get(key), undefined, `${a.name} took a forged record via sync`)
  })
})

describe('gossip security: private network (swarm key)', () => {
  let fleet: TestAgent[] = []
  const outsiders: TestAgent[] = []

  before(async () => {
    fleet = await startFleet(3, { timing: QUIET_TIMING, swarmKey: generateSwarmKey(), syncIntervalMs: 500 })
  })
  after(async () => {
    await stopFleet([...fleet, ...outsiders])
  })

  it('a node without the key, or with another key, never connects and none of its data appears', async () => {
    const join = fleet[0]?.gossip.multiaddrs().slice(0, 1) ?? []
    const noKey = await createAgent('no-key', { timing: QUIET_TIMING }, join)
    const otherKey = await createAgent(
      'other-key',
      { timing: QUIET_TIMING, swarmKey: generateSwarmKey() },
      join,
    )
    outsiders.push(noKey, otherKey)
    await noKey.gossip.start()
    await otherKey.gossip.start()
    const outsiderKeys = [register(noKey, 'intruder'), register(otherKey, 'intruder')]
    for (const outsider of outsiders) {
      await assert.rejects(
        outsider.gossip.node?.dial(fleet[0]?.gossip.node?.getMultiaddrs()[0] as never) ?? Promise.reject(),
      )
    }
    // Time passes observably: the fleet keeps working (a write spreads, syncs run).
    const fleetKey = register(fleet[1] as TestAgent, 'member')
    await everyoneHas(fleet, fleetKey)
    await eventually('the fleet ran a few sync rounds', () => fleet.every((a) => a.gossip.synced()))
    for (const outsider of outsiders) {
      assert.equal(outsider.gossip.peers().length, 0, `${outsider.name} connected`)
      assert.equal(outsider.store.get(fleetKey), undefined)
    }
    for (const a of fleet) {
      assert.equal(a.gossip.peers().includes(noKey.origin), false)
      assert.equal(a.gossip.peers().includes(otherKey.origin), false)
      for (const k of outsiderKeys) assert.equal(a.store.get(k), undefined)
      assert.equal(
        [...a.store.entries()].some((e) => e.origin === noKey.origin || e.origin === otherKey.origin),
        false,
      )
    }
  })
})
