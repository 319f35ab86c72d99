import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { pino } from 'pino'
import { CatalogStore } from '../../../agent/catalog/store.ts'
import { Broadcaster, batchEntries } from '../../../agent/gossip/broadcast.ts'
import { createGossipMetrics } from '../../../agent/gossip/metrics.ts'
import { CATALOG_TOPIC } from '../../../agent/gossip/topics.ts'
import { instanceKey } from '../../../crdt/keys.ts'
import { signEntry } from '../../../crdt/signing.ts'
import { decodeFrame } from '../../../crdt/wire.ts'
import { FakeClock } from '../../helpers/fake-clock.ts'
import { fakeSigner, fakeVerify, testOrigin } from '../../helpers/fake-signing.ts'
import { FakePubsub } from './fake-pubsub.ts'
import { FakeTimers } from './fake-timers.ts'
import { instanceValue } from './harness.ts'

const SELF = testOrigin(1)
const OTHER = testOrigin(2)

function setup(debounceMs = 10, maxFrameBytes?: number) {
  const clock = new FakeClock()
  const timers = new FakeTimers(clock)
  const pubsub = new FakePubsub()
  const store = new CatalogStore(
    { now: clock.now, sign: fakeSigner(SELF), verify: fakeVerify },
    { origin: SELF, horizonMs: 7 * 86_400_000, maxDriftMs: 60_000 },
  )
  const broadcaster = new Broadcaster(
    { store, pubsub, timers, logger: pino({ level: 'silent' }), metrics: createGossipMetrics(undefined) },
    { debounceMs, ...(maxFrameBytes === undefined ? {} : { maxFrameBytes }) },
  )
  const deltas = () =>
    pubsub.published
      .filter((p) => p.topic === CATALOG_TOPIC)
      .map((p) => {
        const f = decodeFrame(p.data)
        assert.ok(f.ok && f.value.kind === 'delta')
        return f.value.entries
      })
  return { clock, timers, pubsub, store, broadcaster, deltas }
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve()
}

describe('Broadcaster', () => {
  it('batches a burst of local writes into one delta after the debounce', async () => {
    const { store, broadcaster, timers, deltas } = setup(10)
    await broadcaster.start()
    for (let i = 0; i < 20; i++)
      store.writeLocal(instanceKey(SELF, `i${i}`), instanceValue(`i${i}`, 'web', i))
    timers.advance(9)
    await settle()
    assert.equal(deltas().length, 0, 'nothing before the debounce')
    timers.advance(1)
    await settle()
    assert.equal(deltas().length, 1)
    assert.equal(deltas()[0]?.length, 20)
    await broadcaster.stop()
  })

  it('a key written twice in the window is published once, at its newest version', async () => {
    const { store, broadcaster, timers, deltas } = setup(10)
    await broadcaster.start()
    const key = instanceKey(SELF, 'a')
    store.writeLocal(key, instanceValue('a', 'web', 1))
    const last = store.writeLocal(key, instanceValue('a', 'web', 2))
    timers.advance(10)
    await settle()
    assert.deepEqual(deltas(), [[last]])
    await broadcaster.stop()
  })

  it('publishes nothing for remote changes, and nothing when a write changed nothing', async () => {
    const { store, broadcaster, timers, deltas } = setup(10)
    await broadcaster.start()
    const remote = signEntry(
      {
        key: instanceKey(OTHER, 'r'),
        origin: OTHER,
        hlc: { wall: Date.now(), count: 0 },
        value: instanceValue('r', 'web', 1),
      },
      fakeSigner(OTHER),
    )
    store.mergeRemote([remote], OTHER)
    store.mergeRemote([remote], OTHER)
    timers.advance(100)
    await settle()
    assert.deepEqual(deltas(), [])
    await broadcaster.stop()
  })

  it('splits a delta larger than the frame limit; stop flushes what is pending', async () => {
    const { store, broadcaster, deltas } = setup(1000, 2_000)
    await broadcaster.start()
    for (let i = 0; i < 30; i++)
      store.writeLocal(instanceKey(SELF, `i${i}`), instanceValue(`i${i}`, 'web', i))
    await broadcaster.stop()
    const frames = deltas()
    assert.ok(frames.length > 1)
    assert.equal(frames.flat().length, 30)
  })

  it('a delta that reached nobody is retried with backoff until a peer takes it', async () => {
    const { store, broadcaster, timers, deltas, pubsub } = setup(5)
    await broadcaster.start()
    pubsub.recipients = 0
    store.writeLocal(instanceKey(SELF, 'early'), instanceValue('early', 'web', 1))
    timers.advance(5)
    await settle()
    assert.equal(deltas().length, 1)
    timers.advance(250)
    await settle()
    assert.equal(deltas().length, 2, 'retried after 250 ms')
    pubsub.recipients = 1
    timers.advance(500)
    await settle()
    assert.equal(deltas().length, 3, 'retried after 500 ms, and delivered')
    timers.advance(60_000)
    await settle()
    assert.equal(deltas().length, 3, 'no more retries once delivered')
    await broadcaster.stop()
  })

  it('a fresh local change is published after the debounce, not held behind a pending retry', async () => {
    const { store, broadcaster, timers, deltas, pubsub } = setup(5)
    await broadcaster.start()
    pubsub.recipients = 0
    store.writeLocal(instanceKey(SELF, 'early'), instanceValue('early', 'web', 1))
    for (const wait of [5, 250, 500, 1_000]) {
      timers.advance(wait)
      await settle()
    }
    assert.equal(deltas().length, 4, 'three retries so far; the next waits 2 s')
    pubsub.recipients = 1
    store.writeLocal(instanceKey(SELF, 'now'), instanceValue('now', 'web', 2))
    timers.advance(5)
    await settle()
    assert.equal(deltas().length, 5, 'published after the debounce')
    assert.deepEqual(
      deltas()[4]
        ?.map((e) => e.key)
        .sort(),
      [instanceKey(SELF, 'early'), instanceKey(SELF, 'now')].sort(),
      'with the entry that was waiting for its retry',
    )
    await broadcaster.stop()
  })

  it('batchEntries keeps every entry, in order, under the byte limit', () => {
    const { store } = setup()
    const entries = Array.from({ length: 50 }, (_, i) =>
      store.writeLocal(instanceKey(SELF, `e${i}`), instanceValue(`e${i}`, 'web', i)),
    )
    const batches = batchEntries(entries, 1_500)
    assert.deepEqual(batches.flat(), entries)
    for (const b of batches) assert.ok(b.length === 1 || JSON.stringify(b).length < 1_500)
  })
})
