import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { AgentProcess } from '../helpers/agent-process.ts'
import { seededRandom } from '../helpers/prng.ts'

/**
 * SIGKILL the agent at random moments while registrations change; after every kill the state
 * file must parse and hold every registration the API acknowledged (and none it acknowledged
 * removing). The seed is printed so a failure replays.
 */
const KILLS = Number(process.env.GV_CRASH_KILLS ?? 50)
const SEED = Number(process.env.GV_CRASH_SEED ?? 20261122)

describe('crash safety of local state', () => {
  const agents: AgentProcess[] = []
  after(async () => {
    for (const a of agents) await a.cleanup()
  })

  it(`survives ${KILLS} SIGKILLs at random moments (seed ${SEED})`, { timeout: 300_000 }, async () => {
    const random = seededRandom(SEED)
    const first = new AgentProcess('crashy')
    agents.push(first)
    const acked = new Set<string>()
    const ackedIn = new Map<string, number>()
    const removed = new Set<string>()
    let next = 0
    for (let round = 0; round < KILLS; round++) {
      const agent = round === 0 ? first : new AgentProcess('crashy', first.dataDir)
      if (round > 0) agents.push(agent)
      const info = await agent.start(['--http', '127.0.0.1:0', '--dns', '127.0.0.1:0'])
      const killAt = performance.now() + 20 + random() * 300
      // Writers: keep changing registrations until the kill lands.
      const writer = (async () => {
        while (performance.now() < killAt + 200) {
          const id = `i${next++}`
          try {
            if (acked.size > 0 && random() < 0.25) {
              const victim = [...acked][Math.floor(random() * acked.size)] as string
              // Until the answer arrives the removal may or may not have happened: neither is asserted.
              acked.delete(victim)
              const res = await fetch(`http://${info.http}/v1/instances/${victim}`, {
                method: 'DELETE',
                signal: AbortSignal.timeout(2000),
              })
              if (res.status === 200) removed.add(victim)
              else acked.add(victim)
              continue
            }
            const res = await fetch(`http://${info.http}/v1/instances`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ id, service: 'web', address: '127.0.0.1', port: 1000 + (next % 50000) }),
              signal: AbortSignal.timeout(2000),
            })
            if (res.status === 201) {
              acked.add(id)
              ackedIn.set(id, round)
              removed.delete(id)
            }
          } catch {
            return // the agent died mid-request: that write was never acknowledged
          }
        }
      })()
      await new Promise((r) => setTimeout(r, Math.max(0, killAt - performance.now())))
      await agent.kill('SIGKILL')
      await writer
      const path = join(first.dataDir, 'local-state.json')
      let state: { registrations: Array<{ id: string }> }
      try {
        state = JSON.parse(readFileSync(path, 'utf8'))
      } catch (e) {
        assert.fail(`round ${round} (seed ${SEED}): state file does not parse: ${(e as Error).message}`)
      }
      const onDisk = new Set(state.registrations.map((r) => r.id))
      for (const id of acked)
        assert.ok(
          onDisk.has(id),
          `round ${round} (seed ${SEED}): acknowledged ${id} (in round ${ackedIn.get(id)}) missing after SIGKILL; on disk: ${[...onDisk].join(',')}; agent log tail:\n${agent.logs.slice(-15).join('\n')}`,
        )
      for (const id of removed)
        assert.ok(!onDisk.has(id), `round ${round} (seed ${SEED}): acknowledged removal of ${id} undone`)
    }
    assert.ok(acked.size > KILLS, `writes happened (${acked.size} live registrations)`)
  })
})
