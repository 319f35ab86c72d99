import { after, test } from 'node:test'
import { AgentFleet } from './agent-fleet.ts'
import { runFailureDrill } from './failure-drill.ts'

/**
 * Drill 3, crash: SIGKILL one agent (no leave announced, but the kernel resets its TCP
 * connections). Its instances turn critical everywhere, then leave the answers after the reap
 * interval; restarted on the same data dir it returns with the same peer id and instances.
 */
let fleet: AgentFleet | undefined
after(() => fleet?.close())

test('crash: SIGKILL, critical everywhere, reaped, restart with the same identity and no duplicates', async (t) => {
  fleet = await AgentFleet.start(5)
  await runFailureDrill(t, fleet, {
    what: 'crash (SIGKILL)',
    fail: async (victim) => {
      victim.process.signal('SIGKILL')
      await victim.process.waitExit(5_000)
    },
    recover: (victim) => victim.restart(),
  })
})
