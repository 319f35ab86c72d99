import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { waitFor } from '../helpers/wait-for.ts'
import { AgentFleet } from './agent-fleet.ts'
import { BOUNDS } from './bounds.ts'
import { NODE_BIN, REPO_ROOT } from './fleet.ts'
import { FleetAgent } from './fleet-agent.ts'

/**
 * Drill 6, outsider: the fleet runs with a swarm key; a sixth host on the same switch runs an
 * agent without it. The outsider hears the fleet's mDNS answers (it tries to dial every member:
 * its debug log shows the failed dials) but never connects: it lists only itself, no member
 * ever lists it, its registration appears nowhere, and it sees none of the fleet's.
 */
const keyDir = mkdtempSync(join(tmpdir(), 'gvt-key-'))
let fleet: AgentFleet | undefined
after(async () => {
  await fleet?.close()
  rmSync(keyDir, { recursive: true, force: true })
})

test('outsider without the swarm key sees mDNS but never connects and contributes nothing', async (t) => {
  const keyFile = join(keyDir, 'swarm.key')
  execFileSync(NODE_BIN, [join(REPO_ROOT, 'agent/cli/bin.ts'), 'keygen', keyFile], { stdio: 'ignore' })
  fleet = await AgentFleet.start(5, { swarmKeyFile: keyFile })
  const f = fleet
  await Promise.all(
    f.agents.map((a) => a.register({ id: `web-${a.name}`, service: 'web', address: a.host.ip, port: 8080 })),
  )
  const outsider = await FleetAgent.start(f.fleet, f.fleet.addHost(), { logLevel: 'debug' })
  await outsider.register({ id: 'intruder', service: 'intruder', address: outsider.host.ip, port: 6666 })
  const t0 = performance.now()

  const members = new Set(f.agents.map((a) => a.peerId))
  await waitFor(
    'the outsider heard every member over mDNS and failed to dial each',
    () => {
      const tried = new Set(outsider.logs((l) => l.msg === 'mDNS dial failed').map((l) => l.peer))
      return [...members].every((p) => tried.has(p))
    },
    { timeoutMs: 20_000, intervalMs: 100 },
  )
  const heard = performance.now() - t0
  const listing = await waitFor('the fleet agrees', () => f.agreed(), { timeoutMs: BOUNDS.coldStartMs })

  assert.doesNotMatch(listing, /intruder/)
  assert.equal(listing.split('\n').length, 5)
  assert.deepEqual(
    (await outsider.members()).map((m) => m.peerId),
    [outsider.peerId],
  )
  assert.doesNotMatch(await outsider.listing(), /web-h/)
  for (const a of f.agents) {
    assert.ok(!(await a.members()).some((m) => m.peerId === outsider.peerId), `${a.name} lists the outsider`)
    assert.deepEqual(
      a.logs((l) => l.origin === outsider.peerId),
      [],
      `${a.name} logged the outsider`,
    )
  }
  assert.deepEqual(
    outsider.logs((l) => l.msg === 'member state changed'),
    [],
  )
  t.diagnostic(
    `outsider: heard all 5 members by mDNS within ${Math.round(heard)} ms; 0 connections, 0 records crossed`,
  )
})
