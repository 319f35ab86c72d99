/**
 * Run by gossip-mdns.test.ts inside a private network namespace (only `lo`, multicast routed to
 * it): two gossip services with mDNS on and no --join find each other, replicate a write, and
 * re-connect after their connection is closed (targetPeers 0: no dials from node records). Prints one JSON line with the result.
 * Never run this outside such a namespace: mDNS would go out on the machine's real interface.
 */
import { converged, createAgent, eventually, QUIET_TIMING, register, stopFleet } from './harness.ts'

const serviceTag = `_gv-test-${process.pid}._udp.local`
const opts = {
  timing: QUIET_TIMING,
  syncIntervalMs: 1_000,
  extra: { mdns: { serviceTag, intervalMs: 200 }, targetPeers: 0 },
}
const a = await createAgent('mdns-a', opts)
const b = await createAgent('mdns-b', opts)
const started = performance.now()
try {
  await a.gossip.start()
  await b.gossip.start()
  await eventually('discovered and connected by mDNS', () => a.gossip.peers().includes(b.origin))
  const discoveredMs = performance.now() - started
  const key = register(a, 'via-mdns')
  await eventually('write replicated', () => b.store.get(key) !== undefined)
  await converged([a, b], 'identical catalogs')
  // Drop the connection: it comes back (mDNS answers dial again; so does membership's link check).
  for (const conn of a.gossip.node?.getConnections() ?? []) await conn.close()
  await eventually('reconnected after the connection dropped', () => a.gossip.peers().includes(b.origin))
  console.log(JSON.stringify({ ok: true, discoveredMs: Math.round(discoveredMs) }))
} catch (err) {
  console.log(JSON.stringify({ ok: false, error: (err as Error).message }))
  process.exitCode = 1
} finally {
  await stopFleet([a, b])
}
