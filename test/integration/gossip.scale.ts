/**
 * `npm run test:scale` (part of `npm test`, after the unit suite, alone: it is CPU-bound on a
 * 2-core box; named `*.scale.ts` so the unit glob leaves it out). The scale smoke test: 50 agents in one process on the memory transport (mDNS off), one write
 * each, all converge byte-identically. Heartbeats are slowed (every agent shares one event loop;
 * see docs/architecture.md on the in-process cost), the catalog path is not.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  converged,
  everyoneHas,
  register,
  startFleet,
  stopFleet,
  type TestAgent,
} from '../agent/gossip/harness.ts'

const N = Number(process.env.GRAPEVINE_SCALE_N ?? 50)
// Heartbeats cost N² deliveries per period in one process (each ~1–2 ms of CPU across noise,
// yamux, gossipsub and its signature check): at 50 agents and 1 s that alone needs more than the
// whole CPU. This test is about the catalog path, so liveness beats every 30 s here.
const TIMING = {
  heartbeatMs: 30_000,
  suspectAfterMs: 180_000,
  evidenceAfterMs: 90_000,
  unreachableAfterMs: 300_000,
  reapAfterMs: 600_000,
}

describe(`gossip at scale: ${N} agents in one process`, () => {
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

  it(`one write reaches all ${N} agents by gossip`, async () => {
    const times: number[] = []
    for (let round = 0; round < 5; round++) {
      const writer = agents[(round * 7) % N] as TestAgent
      const started = performance.now()
      const key = register(writer, `single-${round}`, 'single', 20_000 + round)
      await everyoneHas(agents, key, 300_000)
      times.push(performance.now() - started)
    }
    times.sort((a, b) => a - b)
    console.log(`# ${N} agents: one write visible on all, ms: ${times.map((t) => t.toFixed(0)).join(', ')}`)
  })
})
