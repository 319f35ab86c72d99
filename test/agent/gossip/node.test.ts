import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { pino } from 'pino'
import { createEphemeralIdentity } from '../../../agent/gossip/identity.ts'
import { createGrapevineNode } from '../../../agent/gossip/node.ts'

/** libp2p internals read here: its components, by the names libp2p 3 registers them under. */
interface WithComponents {
  components: { connectionMonitor?: { pingIntervalMs: number } }
}

describe('libp2p node options', () => {
  const logger = pino({ level: 'silent' })

  it("pings each connection every 60 s, not libp2p's 10 s: membership's probes already check one member a second", async () => {
    const { privateKey } = await createEphemeralIdentity()
    const node = await createGrapevineNode(
      { privateKey, logger },
      { listen: ['/memory/grapevine-node-test-a'], scoredTopics: [] },
    )
    const monitor = (node as unknown as WithComponents).components.connectionMonitor
    assert.ok(monitor, 'the connection monitor stays on as the backstop for a silent connection')
    assert.equal(monitor.pingIntervalMs, 60_000)
  })

  it('takes the connection ping interval from its init', async () => {
    const { privateKey } = await createEphemeralIdentity()
    const node = await createGrapevineNode(
      { privateKey, logger },
      { listen: ['/memory/grapevine-node-test-b'], scoredTopics: [], connectionPingIntervalMs: 5_000 },
    )
    assert.equal((node as unknown as WithComponents).components.connectionMonitor?.pingIntervalMs, 5_000)
  })
})
