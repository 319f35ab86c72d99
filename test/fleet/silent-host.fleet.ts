import { after, test } from 'node:test'
import { AgentFleet } from './agent-fleet.ts'
import { runFailureDrill } from './failure-drill.ts'

/**
 * Drill 4, silent host: pull a host's cable (its switch port goes down). Nothing is killed and
 * nobody receives a TCP reset: packets just stop. The outcome must be the same as a crash, and
 * when the cable is back the host rejoins by mDNS with the same identity and instances.
 */
let fleet: AgentFleet | undefined
after(() => fleet?.close())

test('silent host: link down, critical everywhere, reaped, link up and back with no duplicates', async (t) => {
  fleet = await AgentFleet.start(5)
  const f = fleet
  await runFailureDrill(t, f, {
    what: 'silent host (link down)',
    fail: (victim) => f.fleet.linkDown(victim.host),
    recover: (victim) => f.fleet.linkUp(victim.host),
  })
})
