/**
 * `npm run test:scale` (skipped in the normal suite: it needs minutes of CPU on a shared 2-core
 * box). The scale smoke test: 50 agents in one process on the memory transport (mDNS off), one write
 * each, all converge byte-identically. Heartbeats are slowed (every agent shares one event loop;
 * see docs/architecture.md on the in-process cost), the catalog path is not.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { converged, register, startFleet, stopFleet, type TestAgent } from '../agent/gossip/harness.ts'

const N = Number(process.env.GRAPEVINE_SCALE_N ?? 50)
const ENABLED = process.env.GRAPEVINE_SCALE === '1'
const TIMING = {
  heartbeatMs: 5_000,
  suspectAfterMs: 30_000,
  evidenceAfterMs: 15_000,
  unreachableAfterMs: 60_000,
  reapAfterMs: 600_000,
}

describe(`gossip at scale: ${N} agents in one process`, {
  skip: ENABLED ? false : 'run with npm run test:scale',
}, () => {
  let agents: TestAgent[] = []
  let formedMs = 0

  before(async () => {
    const started = performance.now()
    agents = await startFleet(N, { transport: 'memory', timing: TIMING, syncIntervalMs: 5_000 })
    formedMs = performance.now() - started
  })
  after(async () => {
    await stopFleet(agents)
  })

  it(`converges: one write on each of ${N} agents reaches all of them`, async () => {
    const settled = performance.now()
    await converged(agents, 'node records everywhere', 300_000)
    const settleMs = performance.now() - settled
    const started = performance.now()
    const keys = agents.map((a, i) => register(a, `svc-${i}`, 'svc', 10_000 + i))
    const canonical = await converged(agents, `${N} identical catalogs`, 300_000)
    const ms = performance.now() - started
    console.log(
      `# ${N} agents: started in ${formedMs.toFixed(0)} ms, node records converged ${settleMs.toFixed(0)} ms later, ` +
        `${N} concurrent writes identical everywhere in ${ms.toFixed(0)} ms`,
    )
    for (const key of keys) assert.ok(canonical.includes(key))
  })
})
