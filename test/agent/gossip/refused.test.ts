import assert from 'node:assert/strict'
import { createServer, type Socket } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { pino } from 'pino'
import { createGrapevineNode, type GrapevineLibp2p } from '../../../agent/gossip/node.ts'
import { isRefused } from '../../../agent/gossip/service.ts'

/** A refused dial is strong evidence (the process is gone); anything else is not. */

describe('isRefused (table)', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })
  const timeout = Object.assign(new Error('The operation was aborted due to timeout'), {
    name: 'TimeoutError',
  })
  const cases: Array<{ name: string; err: unknown; want: boolean }> = [
    { name: 'ECONNREFUSED', err: refused, want: true },
    { name: 'every address refused', err: new AggregateError([refused, refused]), want: true },
    { name: 'one address refused, one timed out', err: new AggregateError([refused, timeout]), want: false },
    { name: 'no address at all', err: new AggregateError([]), want: false },
    { name: 'refused as the cause', err: new Error('dial failed', { cause: refused }), want: true },
    { name: 'a timeout', err: timeout, want: false },
    { name: 'a reset', err: Object.assign(new Error('reset'), { code: 'ECONNRESET' }), want: false },
    { name: 'not an error', err: 'ECONNREFUSED', want: false },
    { name: 'null', err: null, want: false },
  ]
  for (const c of cases) it(c.name, () => assert.equal(isRefused(c.err), c.want))
})

describe('isRefused on real libp2p dials (127.0.0.1)', () => {
  let node: GrapevineLibp2p
  const silent = createServer((s: Socket) => s.on('error', () => {})) // accepts TCP, never speaks
  const sockets = new Set<Socket>()
  silent.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  before(async () => {
    node = await createGrapevineNode(
      { privateKey: await generateKeyPair('Ed25519'), logger: pino({ level: 'silent' }) },
      { listen: ['/ip4/127.0.0.1/tcp/0'], scoredTopics: [] },
    )
    await node.start()
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
  })
  after(async () => {
    await node.stop()
    for (const s of sockets) s.destroy()
    await new Promise<void>((resolve) => silent.close(() => resolve()))
  })
  const otherPeer = async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
  const dialError = async (addr: string, timeoutMs: number): Promise<unknown> => {
    try {
      await node.dial(multiaddr(addr), { signal: AbortSignal.timeout(timeoutMs) })
    } catch (err) {
      return err
    }
    assert.fail(`dial of ${addr} succeeded`)
  }

  it('a port nobody listens on: refused', async () => {
    // Take a free port and close it again: nothing listens there now.
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const port = (probe.address() as { port: number }).port
    await new Promise<void>((resolve) => probe.close(() => resolve()))
    const err = await dialError(`/ip4/127.0.0.1/tcp/${port}/p2p/${await otherPeer()}`, 2_000)
    assert.equal(isRefused(err), true, String(err))
  })

  it('a listener that never answers the handshake (a stalled process): not refused', async () => {
    const port = (silent.address() as { port: number }).port
    const err = await dialError(`/ip4/127.0.0.1/tcp/${port}/p2p/${await otherPeer()}`, 300)
    assert.equal(isRefused(err), false, String(err))
  })
})
