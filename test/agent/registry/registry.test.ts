import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { pino } from 'pino'
import { CatalogStore } from '../../../agent/catalog/store.ts'
import { GrapevineError } from '../../../agent/errors.ts'
import { Registry } from '../../../agent/registry/registry.ts'
import { StateFile } from '../../../agent/registry/state-file.ts'
import { instanceKey } from '../../../crdt/keys.ts'
import { FakeChecks } from '../../helpers/fake-checks.ts'
import { FakeClock } from '../../helpers/fake-clock.ts'
import { fakeSigner, fakeVerify, testOrigin } from '../../helpers/fake-signing.ts'

const logger = pino({ level: 'silent' })

function setup(dir = mkdtempSync(join(tmpdir(), 'gv-reg-')), opts: { script?: boolean } = {}) {
  const clock = new FakeClock()
  const origin = testOrigin(1)
  const store = new CatalogStore(
    { now: clock.now, sign: fakeSigner(origin), verify: fakeVerify },
    { origin, horizonMs: 7 * 86_400_000, maxDriftMs: 60_000 },
  )
  const checks = new FakeChecks()
  const stateFile = new StateFile(join(dir, 'local-state.json'))
  const registry = new Registry(
    { logger, store, checks, stateFile },
    { nodeName: 'host-a', advertiseAddress: '10.0.0.5', scriptChecksEnabled: opts.script ?? false },
  )
  const writes: string[] = []
  store.on('change', (e) => {
    for (const c of e.changes) writes.push(c.current.key)
  })
  return { dir, clock, origin, store, checks, stateFile, registry, writes }
}

describe('Registry', () => {
  it('registers with a derived stable id, persists before acknowledging, and publishes', async () => {
    const t = setup()
    await t.registry.start()
    const r = await t.registry.register({ service: 'web', port: 8080 })
    assert.deepEqual(r, { id: 'web-10.0.0.5-8080', created: true })
    const onDisk = JSON.parse(readFileSync(t.stateFile.path, 'utf8'))
    assert.equal(onDisk.registrations[0].id, 'web-10.0.0.5-8080')
    const entry = t.store.get(instanceKey(t.origin, r.id))
    assert.equal(entry?.value?.kind, 'instance')
    assert.equal(entry?.value?.kind === 'instance' && entry.value.address, '10.0.0.5')
    assert.equal(entry?.value?.kind === 'instance' && entry.value.health, 'passing')
    const again = await t.registry.register({ service: 'web', port: 8080 })
    assert.equal(again.created, false)
  })

  it('only a change makes a new version', async () => {
    const t = setup()
    await t.registry.start()
    await t.registry.register({ id: 'a', service: 'web', port: 1, checks: [{ type: 'ttl', ttl: '10s' }] })
    const before = t.writes.length
    t.checks.setStatus('a', 'a:1', 'critical')
    assert.equal(t.writes.length, before, 'same status: no write')
    t.checks.setStatus('a', 'a:1', 'passing')
    assert.equal(t.writes.length, before + 1)
    await t.registry.register({ id: 'a', service: 'web', port: 1, checks: [{ type: 'ttl', ttl: '10s' }] })
    assert.equal(t.writes.length, before + 1, 'identical re-registration: no write')
  })

  it('health aggregates checks and maintenance overrides', async () => {
    const t = setup()
    await t.registry.start()
    await t.registry.register({
      id: 'a',
      service: 'web',
      port: 1,
      checks: [{ type: 'ttl', ttl: '10s', initialStatus: 'passing' }],
    })
    const health = () => {
      const v = t.store.get(instanceKey(t.origin, 'a'))?.value
      return v?.kind === 'instance' ? v.health : undefined
    }
    assert.equal(health(), 'passing')
    await t.registry.reportTtl('a', 'warning', 'slow')
    assert.equal(health(), 'warning')
    await t.registry.setMaintenance('a', true, 'deploy')
    assert.equal(health(), 'maintenance')
    assert.equal(t.registry.get('a')?.maintenanceReason, 'deploy')
    await t.registry.setMaintenance('a', false)
    assert.equal(health(), 'warning')
  })

  it('deregister tombstones the record and forgets it on disk', async () => {
    const t = setup()
    await t.registry.start()
    await t.registry.register({ id: 'a', service: 'web', port: 1 })
    assert.equal(await t.registry.deregister('a'), true)
    assert.equal(t.store.get(instanceKey(t.origin, 'a'))?.value, null)
    assert.equal(JSON.parse(readFileSync(t.stateFile.path, 'utf8')).registrations.length, 0)
    assert.equal(await t.registry.deregister('a'), false)
  })

  it('refuses exec checks unless the operator enabled them, saying how', async () => {
    const t = setup()
    await t.registry.start()
    await assert.rejects(
      t.registry.register({ service: 'web', port: 1, checks: [{ type: 'exec', args: ['true'] }] }),
      (e: unknown) =>
        e instanceof GrapevineError &&
        e.code === 'SCRIPT_CHECKS_DISABLED' &&
        /--enable-script-checks/.test(e.message),
    )
    const s = setup(undefined, { script: true })
    await s.registry.start()
    assert.equal(
      (await s.registry.register({ service: 'web', port: 1, checks: [{ type: 'exec', args: ['true'] }] }))
        .created,
      true,
    )
  })

  it('reports check validation problems by field', async () => {
    const t = setup()
    await t.registry.start()
    await assert.rejects(
      t.registry.register({ service: 'web', port: 1, checks: [{ type: 'http' }] }),
      (e: unknown) =>
        e instanceof GrapevineError && e.code === 'VALIDATION' && /checks\/0\/url/.test(e.message),
    )
  })

  it('restart: same instances, same ids, re-announced, no duplicates; stale own records retracted', async () => {
    const t = setup()
    await t.registry.start()
    for (let i = 0; i < 100; i++) await t.registry.register({ id: `i${i}`, service: 'web', port: 1000 + i })
    await t.registry.stop()
    const u = setup(t.dir)
    await u.registry.start()
    assert.equal(u.registry.list().length, 100)
    assert.deepEqual(
      u.registry
        .list()
        .map((l) => l.id)
        .sort(),
      Array.from({ length: 100 }, (_, i) => `i${i}`).sort(),
    )
    assert.equal([...u.store.entries()].filter((e) => e.value !== null).length, 100)
  })

  it('retracts records the catalog holds under our origin that are not registered here', async () => {
    const t = setup()
    t.store.writeLocal(instanceKey(t.origin, 'old'), {
      kind: 'instance',
      id: 'old',
      service: 'web',
      node: 'host-a',
      address: '10.0.0.5',
      port: 1,
      protocol: 'tcp',
      tags: [],
      meta: {},
      weight: 1,
      version: '',
      health: 'passing',
      checks: [],
    })
    await t.registry.start()
    assert.equal(t.store.get(instanceKey(t.origin, 'old'))?.value, null)
  })

  it('a corrupt state file stops start with its path and the way out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gv-reg-'))
    writeFileSync(join(dir, 'local-state.json'), '{"v":1,"registrations":[tor')
    const t = setup(dir)
    await assert.rejects(t.registry.start(), (e: unknown) => {
      return (
        e instanceof GrapevineError &&
        e.code === 'STATE_CORRUPT' &&
        e.message.includes(join(dir, 'local-state.json')) &&
        /--reset-local-state/.test(e.message)
      )
    })
    writeFileSync(join(dir, 'local-state.json'), '{"v":1,"registrations":[{"id":1}]}')
    const u = setup(dir)
    await assert.rejects(
      u.registry.start(),
      (e: unknown) => e instanceof GrapevineError && e.code === 'STATE_CORRUPT',
    )
    assert.equal(
      StateFile.moveAside(join(dir, 'local-state.json'), 5),
      join(dir, 'local-state.json.broken-5'),
    )
    const v = setup(dir)
    await v.registry.start()
    assert.equal(v.registry.list().length, 0)
  })

  it('TTL report to an unknown id says how to find ids', async () => {
    const t = setup()
    await t.registry.start()
    await assert.rejects(
      t.registry.reportTtl('nope', 'passing'),
      (e: unknown) => e instanceof GrapevineError && e.code === 'NOT_FOUND',
    )
  })

  it('deregisterCriticalAfter from the health engine removes the instance', async () => {
    const t = setup()
    await t.registry.start()
    await t.registry.register({ id: 'a', service: 'web', port: 1 })
    t.checks.fireDeregisterCritical('a')
    await new Promise((r) => setImmediate(r))
    await new Promise((r) => setImmediate(r))
    assert.equal(t.registry.get('a'), undefined)
  })

  it('a registration the disk refuses is rolled back everywhere and reported', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gv-reg-'))
    const t = setup(dir)
    await t.registry.start()
    // Make the data dir unwritable for the state file: its parent becomes a plain file.
    const blocked = new StateFile(join(dir, 'not-a-dir', 'local-state.json'))
    writeFileSync(join(dir, 'not-a-dir'), 'x')
    ;(t.registry as unknown as { c: { stateFile: StateFile } }).c.stateFile = blocked
    await assert.rejects(
      t.registry.register({ id: 'a', service: 'web', port: 1 }),
      (e: unknown) =>
        e instanceof GrapevineError && e.code === 'UNAVAILABLE' && e.message.includes('not-a-dir'),
    )
    assert.equal(t.registry.get('a'), undefined)
    assert.equal(t.store.get(instanceKey(t.origin, 'a'))?.value, null, 'tombstoned after the early gossip')
  })
})
