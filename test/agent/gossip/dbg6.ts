import { counter, startFleet, stopFleet } from './harness.ts'

const N = Number(process.env.N ?? 50)
const TIMING = {
  heartbeatMs: 5_000,
  suspectAfterMs: 30_000,
  evidenceAfterMs: 15_000,
  unreachableAfterMs: 60_000,
  reapAfterMs: 600_000,
}

import { monitorEventLoopDelay } from 'node:perf_hooks'

const h = monitorEventLoopDelay({ resolution: 20 })
h.enable()
const cpu0 = process.cpuUsage()
const t0 = performance.now()
const agents = await startFleet(N, {
  transport: (process.env.T ?? 'memory') as 'memory',
  timing: TIMING,
  syncIntervalMs: 5_000,
})
console.log('started', (performance.now() - t0).toFixed(0))
for (let i = 0; i < 40; i++) {
  const ts = performance.now()
  const sizes = agents.map((a) => a.store.size)
  const peers = agents.map((a) => a.gossip.peers().length)
  let syncOk = 0,
    syncErr = 0
  for (const a of agents) {
    syncOk += await counter(a, 'grapevine_gossip_syncs_total', { outcome: 'ok' })
    syncErr += await counter(a, 'grapevine_gossip_syncs_total', { outcome: 'error' })
  }
  console.log(
    (performance.now() - t0).toFixed(0),
    'size min',
    Math.min(...sizes),
    'avg',
    (sizes.reduce((a, b) => a + b) / N).toFixed(1),
    'peers min',
    Math.min(...peers),
    'avg',
    (peers.reduce((a, b) => a + b) / N).toFixed(1),
    'sync ok',
    syncOk,
    'err',
    syncErr,
    'loop max ms',
    (h.max / 1e6).toFixed(0),
    'cpu s',
    ((process.cpuUsage(cpu0).user + process.cpuUsage(cpu0).system) / 1e6).toFixed(1),
  )
  h.reset()
  console.log('  sample took', (performance.now() - ts).toFixed(0))
  if (Math.min(...sizes) === N) break
  await new Promise((r) => setTimeout(r, 1000))
}
await stopFleet(agents)
