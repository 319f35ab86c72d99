import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isGrapevineError } from '../../../agent/errors.ts'
import { nodeKey } from '../../../crdt/keys.ts'
import type { NodeValue } from '../../../crdt/schema.ts'
import { createAgent, QUIET_TIMING } from './harness.ts'

describe('GossipService lifecycle (real libp2p on 127.0.0.1)', () => {
  it('start twice and stop twice are harmless; stop before start too', async () => {
    const a = await createAgent('a', { timing: QUIET_TIMING, syncIntervalMs: 0 })
    await a.gossip.stop()
    await a.gossip.start()
    await a.gossip.start()
    assert.match(a.gossip.multiaddrs()[0] ?? '', /^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/12D3KooW/)
    assert.equal(a.gossip.peerId, a.origin)
    await a.gossip.stop()
    await a.gossip.stop()
    assert.deepEqual(a.gossip.multiaddrs(), [])
  })

  it('writes its own node record at start (alive, with its multiaddrs) and left on a graceful stop', async () => {
    const a = await createAgent('node-a', { timing: QUIET_TIMING, syncIntervalMs: 0 })
    await a.gossip.start()
    const started = a.store.get(nodeKey(a.origin))?.value as NodeValue
    assert.equal(started.status, 'alive')
    assert.equal(started.name, 'node-a')
    assert.deepEqual(started.multiaddrs, a.gossip.multiaddrs())
    assert.deepEqual(started.addresses, ['127.0.0.1'])
    const version = a.store.get(nodeKey(a.origin))?.hlc
    a.gossip.updateNode({ name: 'node-a' })
    assert.deepEqual(a.store.get(nodeKey(a.origin))?.hlc, version, 'no change, no write')
    a.gossip.updateNode({ maintenance: true })
    const record = (): NodeValue | undefined => a.store.get(nodeKey(a.origin))?.value as NodeValue | undefined
    assert.equal(record()?.maintenance, true)
    await a.gossip.stop()
    assert.equal(record()?.status, 'left')
  })

  it('a port in use fails start with UNAVAILABLE naming the address, and leaves nothing running', async () => {
    const a = await createAgent('a', { timing: QUIET_TIMING, syncIntervalMs: 0 })
    await a.gossip.start()
    const port = /\/tcp\/(\d+)\//.exec(a.gossip.multiaddrs()[0] ?? '')?.[1]
    const b = await createAgent('b', {
      timing: QUIET_TIMING,
      syncIntervalMs: 0,
      extra: { listen: [`/ip4/127.0.0.1/tcp/${port}`] },
    })
    await assert.rejects(b.gossip.start(), (e: unknown) => {
      assert.ok(isGrapevineError(e))
      assert.equal(e.code, 'UNAVAILABLE')
      assert.match(e.message, new RegExp(`tcp/${port}`))
      return true
    })
    assert.equal(b.gossip.node, undefined)
    await b.gossip.stop()
    await a.gossip.stop()
  })
})
