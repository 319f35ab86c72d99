import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { pino } from 'pino'
import { createEphemeralIdentity } from '../../../agent/gossip/identity.ts'
import { createGrapevineNode, type GrapevineLibp2p } from '../../../agent/gossip/node.ts'
import { muxerPing } from '../../../agent/gossip/probe-ping.ts'

const PING_PROTOCOL = '/ipfs/ping/1.0.0'

describe('membership probes over the muxer', () => {
  const logger = pino({ level: 'silent' })
  const nodes: GrapevineLibp2p[] = []
  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()))
  })

  async function node(name: string): Promise<GrapevineLibp2p> {
    const { privateKey } = await createEphemeralIdentity()
    const n = await createGrapevineNode(
      { privateKey, logger },
      { listen: [`/memory/${name}`], scoredTopics: [] },
    )
    await n.start()
    nodes.push(n)
    return n
  }

  it('answers over a held connection without the ping protocol: no stream per probe', async () => {
    const a = await node('probe-ping-a')
    const b = await node('probe-ping-b')
    const conn = await a.dial(b.getMultiaddrs())
    const ping = muxerPing(conn)
    assert.ok(ping, 'a yamux connection offers its muxer ping (libp2p still keeps it in `muxer`)')
    const rtt = await ping({ signal: AbortSignal.timeout(5_000) })
    assert.ok(rtt >= 0)

    // Without the ping protocol on the remote, the protocol ping fails and the muxer ping does not.
    await b.unhandle(PING_PROTOCOL)
    await assert.rejects(a.services.ping.ping(b.peerId, { signal: AbortSignal.timeout(5_000) }))
    await ping({ signal: AbortSignal.timeout(5_000) })
    const streams = conn.streams.filter((s) => s.protocol === PING_PROTOCOL)
    assert.deepEqual(streams, [], 'no ping stream stays open')
  })

  it('offers nothing for a closed connection (the caller dials, or reports it unreachable)', async () => {
    const a = await node('probe-ping-c')
    const b = await node('probe-ping-d')
    const conn = await a.dial(b.getMultiaddrs())
    await conn.close()
    assert.equal(muxerPing(conn), undefined)
  })

  it('fails, rather than hanging, when the remote goes away', async () => {
    const a = await node('probe-ping-e')
    const b = await node('probe-ping-f')
    const conn = await a.dial(b.getMultiaddrs())
    const ping = muxerPing(conn)
    assert.ok(ping)
    await b.stop()
    await assert.rejects(ping({ signal: AbortSignal.timeout(2_000) }))
  })
})
