/**
 * The sync protocol at its edges, on real libp2p (loopback TCP, mDNS off): a large catalog crosses
 * in batched frames; garbage, oversized frames and silent partners end in a reset within the read
 * timeout, and the responder keeps serving afterwards.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { peerIdFromString } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import { SYNC_PROTOCOL } from '../../agent/gossip/topics.ts'
import { instanceKey } from '../../crdt/keys.ts'
import { encodeFrame } from '../../crdt/wire.ts'
import {
  counter,
  createAgent,
  eventually,
  instanceValue,
  QUIET_TIMING,
  stopFleet,
  type TestAgent,
} from '../agent/gossip/harness.ts'

const TIMEOUT_MS = 400

describe('gossip sync protocol edges', () => {
  let a: TestAgent
  let b: TestAgent
  const others: TestAgent[] = []

  before(async () => {
    const opts = {
      timing: QUIET_TIMING,
      syncIntervalMs: 0,
      extra: { syncTimeoutMs: TIMEOUT_MS, targetPeers: 0 },
    }
    a = await createAgent('a', opts)
    b = await createAgent('b', opts)
    await a.gossip.start()
    await b.gossip.start()
    for (let i = 0; i < 3000; i++) {
      a.store.writeLocal(instanceKey(a.origin, `i${i}`), {
        ...instanceValue(`i${i}`, 'bulk', 1),
        meta: { pad: 'x'.repeat(100) },
      })
    }
  })
  after(async () => {
    await stopFleet([a, b, ...others])
  })

  it('a large catalog crosses in batched frames (3000 entries, ~1 MB)', async () => {
    await b.gossip.node?.dial(a.gossip.node?.getMultiaddrs()[0] as never)
    await eventually('b holds all of a', () => b.store.size >= 3000)
    await b.gossip.syncWith(peerIdFromString(a.origin))
    // Node records may still be moving (a's record is rewritten when its addresses settle), so
    // equality is awaited with a deadline rather than sampled once.
    await eventually('identical catalogs', () => b.store.canonical() === a.store.canonical())
    assert.equal(b.store.canonical(), a.store.canonical())
    assert.ok(
      (await counter(b, 'grapevine_gossip_sync_entries_total')) +
        (await counter(a, 'grapevine_gossip_sync_entries_total')) >=
        3000,
    )
  })

  it('garbage and oversized frames are answered with a reset; the responder keeps serving', async () => {
    const node = b.gossip.node
    assert.ok(node !== undefined)
    const target = peerIdFromString(a.origin)
    const garbage = await node.dialProtocol(target, SYNC_PROTOCOL)
    const lp = lpStream(garbage)
    await lp.write(new TextEncoder().encode('{"v":1,"kind":"nonsense"}'))
    await assert.rejects(lp.read({ signal: AbortSignal.timeout(5_000) }))

    const big = await node.dialProtocol(target, SYNC_PROTOCOL)
    // A length prefix announcing 64 MiB: refused before any of it is buffered.
    big.send(Uint8Array.from([0x80, 0x80, 0x80, 0x20]))
    await assert.rejects(lpStream(big).read({ signal: AbortSignal.timeout(5_000) }))

    await b.gossip.syncWith(target)
  })

  it('a partner that goes silent is cut off after the read timeout', async () => {
    const node = b.gossip.node
    assert.ok(node !== undefined)
    const stream = await node.dialProtocol(peerIdFromString(a.origin), SYNC_PROTOCOL)
    const lp = lpStream(stream)
    const started = performance.now()
    // Open an exchange, read the responder's answer, then never send our entries nor `end`.
    await lp.write(encodeFrame({ v: 1, kind: 'digest', digest: b.store.digest() }))
    for (;;) {
      const frame = JSON.parse(new TextDecoder().decode((await lp.read()).subarray())) as { kind: string }
      if (frame.kind === 'digest') break
    }
    await assert.rejects(lp.read({ signal: AbortSignal.timeout(10_000) }))
    const ms = performance.now() - started
    assert.ok(ms >= TIMEOUT_MS * 0.9, `cut off after ${ms.toFixed(0)} ms`)
  })

  it('an initiator whose partner never answers gives up after the read timeout', async () => {
    const mute = await createAgent('mute', {
      timing: QUIET_TIMING,
      syncIntervalMs: 0,
      extra: { targetPeers: 0 },
    })
    others.push(mute)
    await mute.gossip.start()
    // Replace the responder with one that reads the digest and says nothing.
    await mute.gossip.node?.handle(
      SYNC_PROTOCOL,
      (stream) => {
        void lpStream(stream)
          .read()
          .catch(() => {})
      },
      { force: true },
    )
    await a.gossip.node?.dial(mute.gossip.node?.getMultiaddrs()[0] as never)
    const started = performance.now()
    await assert.rejects(a.gossip.syncWith(peerIdFromString(mute.origin)))
    assert.ok(performance.now() - started < 5_000)
  })
})
