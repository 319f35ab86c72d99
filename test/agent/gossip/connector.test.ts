import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { pino } from 'pino'
import { CatalogStore } from '../../../agent/catalog/store.ts'
import { Connector } from '../../../agent/gossip/connector.ts'
import type { GrapevineLibp2p } from '../../../agent/gossip/node.ts'
import { FakeClock } from '../../helpers/fake-clock.ts'
import { fakeSigner, fakeVerify, testOrigin } from '../../helpers/fake-signing.ts'
import { FakeTimers } from './fake-timers.ts'

const SELF = testOrigin(1)
const JOIN = '/ip4/127.0.0.1/tcp/4001'

/** A libp2p node whose dials fail (or succeed) on demand, with no connections of its own. */
function fakeNode(clock: FakeClock, answer: () => boolean) {
  const dials: number[] = []
  const node = {
    dial: async () => {
      dials.push(clock.now())
      if (!answer()) throw new Error('connect ECONNREFUSED 127.0.0.1:4001')
      return { remotePeer: { toString: () => testOrigin(2) } }
    },
    getConnections: () => [],
    getPeers: () => [],
  }
  return { node: node as unknown as GrapevineLibp2p, dials }
}

async function run(_connector: Connector, timers: FakeTimers, ms: number, step: number): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    timers.advance(step)
    for (let i = 0; i < 5; i++) await Promise.resolve()
  }
}

describe('connector: bootstrap re-dial (fake clock)', () => {
  const setup = (answer: () => boolean) => {
    const clock = new FakeClock()
    const timers = new FakeTimers(clock)
    const store = new CatalogStore(
      { now: clock.now, sign: fakeSigner(SELF), verify: fakeVerify },
      { origin: SELF, horizonMs: 7 * 86_400_000, maxDriftMs: 60_000 },
    )
    const start = clock.now()
    const { node, dials } = fakeNode(clock, answer)
    const connector = new Connector(
      { node, store, logger: pino({ level: 'silent' }), timers, random: () => 0.5, monotonic: clock.now },
      { join: [JOIN], intervalMs: 100, minBackoffMs: 250, maxBackoffMs: 1_000, targetPeers: 0 },
    )
    return { connector, timers, dials: () => dials.map((d) => d - start) }
  }

  it('backs off exponentially on the injected clock, capped at maxBackoff', async () => {
    const { connector, timers, dials } = setup(() => false)
    await connector.start()
    await run(connector, timers, 3_000, 100)
    assert.deepEqual(dials(), [0, 300, 800, 1_800, 2_800])
    await connector.stop()
  })

  it('a successful dial resets the backoff for the next loss', async () => {
    let up = false
    const { connector, timers, dials } = setup(() => up)
    await connector.start()
    await run(connector, timers, 1_000, 100) // dials at 0, 300, 800: backoff now 1 s
    up = true
    // Dials at 1 800, 1 900 and 2 000 succeed (the fake never reports the connection, so
    // every round dials again).
    await run(connector, timers, 1_000, 100)
    up = false
    await run(connector, timers, 500, 100)
    // After the successes the backoff started over: 2 100 fails, the next try is 250 ms
    // later (2 400), not the 1 s it had reached before.
    assert.deepEqual(dials(), [0, 300, 800, 1_800, 1_900, 2_000, 2_100, 2_400])
    await connector.stop()
  })
})
