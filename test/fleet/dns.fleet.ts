import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { waitFor } from '../helpers/wait-for.ts'
import { requireTool } from '../setup/tools.ts'
import { AgentFleet } from './agent-fleet.ts'
import { BOUNDS } from './bounds.ts'
import { DNS_PORT, type FleetAgent } from './fleet-agent.ts'

/**
 * Drill 7, DNS from another host: a plain resolver (dig) on h1 asks h1's own sidecar for a
 * service that lives only on h2, and gets h2's address (A) and port (SRV) within BOUNDS.dnsMs of
 * the registration being acknowledged on h2.
 */
let fleet: AgentFleet | undefined
after(() => fleet?.close())

test('DNS: dig on one host resolves a service registered on another', async (t) => {
  const dig = requireTool('dig')
  fleet = await AgentFleet.start(5)
  const f = fleet
  const [h1, h2] = f.agents as [FleetAgent, FleetAgent]
  await waitFor('all alive everywhere', () => f.allSee(f.agents, f.agents, 'alive'), {
    timeoutMs: BOUNDS.coldStartMs,
    intervalMs: 100,
  })
  const ask = (name: string, type: string) =>
    f.fleet.run(h1.host, [
      dig,
      '@127.0.0.1',
      '-p',
      String(DNS_PORT),
      '+short',
      '+time=1',
      '+tries=1',
      name,
      type,
    ])

  await h2.register({ id: 'db-h2', service: 'db', address: h2.host.ip, port: 5432 })
  const t0 = performance.now()
  const a = await waitFor(
    'db.service.grapevine A from h1 answers h2',
    async () => {
      const lines = await ask('db.service.grapevine', 'A')
      return lines.includes(h2.host.ip) ? lines : undefined
    },
    { timeoutMs: BOUNDS.dnsMs, intervalMs: 50 },
  )
  const resolved = performance.now() - t0
  assert.deepEqual(a, [h2.host.ip])
  const srv = await ask('_db._tcp.service.grapevine', 'SRV')
  assert.equal(srv.length, 1, srv.join('\n'))
  assert.match(srv[0]!, /^\d+ \d+ 5432 \S+\.grapevine\.$/)
  t.diagnostic(
    `DNS across hosts: h1 resolved h2's service ${Math.round(resolved)} ms after the ack (bound ${BOUNDS.dnsMs} ms)`,
  )
})
