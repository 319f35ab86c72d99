import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { setTimeout as delay } from 'node:timers/promises'
import { waitFor } from '../helpers/wait-for.ts'
import { AgentFleet } from './agent-fleet.ts'
import { BOUNDS } from './bounds.ts'
import type { FleetAgent, MemberAnswer } from './fleet-agent.ts'

/**
 * Drill 5, stall: SIGSTOP one agent for BOUNDS.stallMs, then SIGCONT. Nobody may ever report
 * any OTHER agent unreachable: neither the survivors, nor the stalled agent when it wakes up
 * with every heartbeat looking three seconds old (Lifeguard's lesson: a slow observer must not
 * raise suspicion). Evidence from two sources: /v1/members sampled on every host throughout,
 * and every agent's own 'member state changed' log lines.
 */
let fleet: AgentFleet | undefined
after(() => fleet?.close())

interface Sample {
  readonly observer: string
  readonly at: number
  readonly members: readonly MemberAnswer[]
}

test('stall: SIGSTOP 3 s then SIGCONT, zero false positives anywhere', async (t) => {
  fleet = await AgentFleet.start(5)
  const f = fleet
  await waitFor('all alive everywhere', () => f.allSee(f.agents, f.agents, 'alive'), {
    timeoutMs: BOUNDS.coldStartMs,
    intervalMs: 100,
  })
  const victim = f.agents[2]!
  const samples: Sample[] = []
  let sampling = true
  const sampler = async (a: FleetAgent): Promise<void> => {
    while (sampling) {
      try {
        // The stalled agent answers its queued request when it resumes: that answer counts too.
        samples.push({
          observer: a.name,
          at: performance.now(),
          members: await a.members(BOUNDS.stallMs * 3),
        })
      } catch {
        // no answer this round
      }
      await delay(100) // pacing of the sampler, not a wait for a condition
    }
  }
  const samplers = f.agents.map((a) => sampler(a))
  const count = (name: string, after: number) =>
    samples.filter((s) => s.observer === name && s.at > after).length
  await waitFor('samples from every host', () => f.agents.every((a) => count(a.name, 0) >= 3))

  victim.process.signal('SIGSTOP')
  const stoppedAt = performance.now()
  const stoppedWall = Date.now()
  await delay(BOUNDS.stallMs) // the deliberate stall window
  victim.process.signal('SIGCONT')
  const resumedAt = performance.now()

  await waitFor('all alive everywhere after the stall', () => f.allSee(f.agents, f.agents, 'alive'), {
    timeoutMs: BOUNDS.returnMs,
    intervalMs: 100,
  })
  const settledAt = performance.now()
  // Keep watching past the point where a late false positive would show (suspect + unreachable).
  await waitFor(
    'ten more samples from every host',
    () => f.agents.every((a) => count(a.name, settledAt) >= 10),
    {
      timeoutMs: 15_000,
    },
  )
  sampling = false
  await Promise.all(samplers)

  const falsePositives: string[] = []
  let suspects = 0
  let victimUnreachable = false
  for (const s of samples) {
    for (const m of s.members) {
      if (m.name === victim.name) {
        if (m.state === 'unreachable') victimUnreachable = true
        continue
      }
      if (m.state === 'unreachable' || m.state === 'left') {
        falsePositives.push(`${s.observer} saw ${m.name} ${m.state} at ${Math.round(s.at - stoppedAt)} ms`)
      }
      if (m.state === 'suspect') suspects++
    }
  }
  const peerNames = new Map(f.agents.map((a) => [a.peerId, a.name]))
  const evidence: string[] = []
  for (const a of f.agents) {
    for (const l of a.logs((x) => x.msg === 'member state changed' && x.state === 'unreachable')) {
      const who = peerNames.get(l.origin as string) ?? String(l.origin)
      if (who === victim.name) continue
      const at = Number(l.time) - stoppedWall
      const phase = at < 0 ? 'before the SIGSTOP' : at < BOUNDS.stallMs ? 'during the stall' : 'after SIGCONT'
      falsePositives.push(`${a.name} logged ${who} unreachable at ${at} ms (${phase})`)
      // What the observer and the accused were doing around then, for the report.
      for (const b of [a, f.agents.find((x) => x.name === who)!]) {
        for (const x of b.logs(
          (y) => y.component === 'gossip' && Math.abs(Number(y.time) - Number(l.time)) < 3_000,
        )) {
          const { level: _l, pid: _p, component: _c, time, ...rest } = x
          evidence.push(
            `  ${b.name} +${Number(time) - stoppedWall} ms ${JSON.stringify({ ...rest, origin: peerNames.get(rest.origin as string) ?? rest.origin })}`,
          )
        }
      }
    }
  }
  t.diagnostic(
    `stall: ${samples.length} samples; false positives ${falsePositives.length}; transient 'suspect' of a ` +
      `non-stalled member ${suspects}; stalled agent seen unreachable by others: ${victimUnreachable}; ` +
      `all alive again ${Math.round(settledAt - resumedAt)} ms after SIGCONT`,
  )
  assert.deepEqual(
    falsePositives,
    [],
    `evidence (ms from the SIGSTOP; negative = before it):\n${evidence.join('\n')}`,
  )
  assert.ok(count(victim.name, resumedAt) >= 10, 'the stalled agent answered after it resumed')
})
