import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { WatchEvent } from '../../../agent/api/ports.ts'
import { type Liveness, LiveView } from '../../../agent/catalog/live-view.ts'
import { CatalogStore } from '../../../agent/catalog/store.ts'
import { instanceKey, nodeKey } from '../../../crdt/keys.ts'
import type { InstanceValue, NodeValue } from '../../../crdt/schema.ts'
import { FakeClock } from '../../helpers/fake-clock.ts'
import { fakeSigner, fakeVerify, testOrigin } from '../../helpers/fake-signing.ts'

function inst(id: string, service: string, health: InstanceValue['health'] = 'passing'): InstanceValue {
  return {
    kind: 'instance',
    id,
    service,
    node: 'n',
    address: '10.0.0.1',
    port: 80,
    protocol: 'tcp',
    tags: [],
    meta: {},
    weight: 1,
    version: '',
    health,
    checks: [],
  }
}

function nodeValue(name: string, extra: Partial<NodeValue> = {}): NodeValue {
  return {
    kind: 'node',
    name,
    addresses: ['10.0.0.1'],
    multiaddrs: [],
    meta: {},
    maintenance: false,
    status: 'alive',
    agentVersion: '0',
    ...extra,
  }
}

function setup(startIndex = 0) {
  const clock = new FakeClock(1_000)
  const local = testOrigin(1)
  const remote = testOrigin(2)
  const store = new CatalogStore(
    { now: clock.now, sign: fakeSigner(local), verify: fakeVerify },
    { origin: local, horizonMs: 1e12, maxDriftMs: 1e9 },
  )
  const remoteStore = new CatalogStore(
    { now: clock.now, sign: fakeSigner(remote), verify: fakeVerify },
    { origin: remote, horizonMs: 1e12, maxDriftMs: 1e9 },
  )
  const liveness = new Map<string, Liveness>()
  const view = new LiveView(
    { store, now: clock.now, membership: { liveness: (o) => liveness.get(o) } },
    { startIndex },
  )
  view.start()
  const events: WatchEvent[] = []
  view.on('watch', (e) => events.push(e))
  const fromRemote = (key: string, value: InstanceValue | NodeValue | null) => {
    const e = remoteStore.writeLocal(key, value)
    store.mergeRemote([e])
  }
  return { clock, local, remote, store, view, liveness, events, fromRemote }
}

describe('LiveView', () => {
  it('index starts at ≥ 1, grows on every change, and continues from a restored index', () => {
    const t = setup()
    assert.ok(t.view.index >= 1)
    const before = t.view.index
    t.store.writeLocal(instanceKey(t.local, 'a'), inst('a', 'web'))
    assert.ok(t.view.index > before)
    const u = setup(5_000_000)
    assert.ok(u.view.index >= 5_000_000)
    u.store.writeLocal(instanceKey(u.local, 'a'), inst('a', 'web'))
    assert.ok(u.view.index > 5_000_000)
  })

  it('snapshot is rebuilt only after a change', () => {
    const t = setup()
    t.store.writeLocal(instanceKey(t.local, 'a'), inst('a', 'Web'))
    const v1 = t.view.view()
    assert.equal(t.view.view(), v1, 'same object without a change')
    assert.equal(v1.instancesOf('web').length, 1, 'case-insensitive')
    t.store.writeLocal(instanceKey(t.local, 'b'), inst('b', 'web'))
    assert.notEqual(t.view.view(), v1)
    assert.equal(t.view.view().instancesOf('WEB').length, 2)
  })

  it('watch events: registered, health-changed, updated, removed', () => {
    const t = setup()
    const key = instanceKey(t.remote, 'x')
    t.fromRemote(key, inst('x', 'api'))
    t.fromRemote(key, inst('x', 'api', 'critical'))
    t.fromRemote(key, { ...inst('x', 'api', 'critical'), port: 81 })
    t.fromRemote(key, null)
    assert.deepEqual(
      t.events.map((e) => e.type),
      ['registered', 'health-changed', 'updated', 'removed'],
    )
    assert.ok(t.events.every((e, i) => i === 0 || e.index > (t.events[i - 1] as WatchEvent).index))
  })

  it('node liveness overlays instance health: unreachable → critical, left/reaped → gone, maintenance drains', () => {
    const t = setup()
    t.fromRemote(nodeKey(t.remote), nodeValue('far'))
    t.fromRemote(instanceKey(t.remote, 'x'), inst('x', 'api'))
    const health = () => t.view.view().instancesOf('api')[0]?.health
    assert.equal(health(), 'passing')
    t.liveness.set(t.remote, { state: 'suspect' })
    t.view.memberChanged(t.remote, 'suspect', 'alive')
    assert.equal(health(), 'passing', 'suspicion alone changes nothing')
    t.liveness.set(t.remote, { state: 'unreachable' })
    t.view.memberChanged(t.remote, 'unreachable', 'suspect')
    assert.equal(health(), 'critical')
    assert.equal(t.view.view().nodeByName('far')?.state, 'unreachable')
    t.liveness.set(t.remote, { state: 'reaped' })
    t.view.memberChanged(t.remote, 'reaped', 'unreachable')
    assert.equal(health(), undefined)
    assert.equal(t.view.view().nodeByName('far'), undefined)
    t.liveness.set(t.remote, { state: 'alive' })
    t.view.memberChanged(t.remote, 'alive', 'reaped')
    assert.equal(health(), 'passing', 'a returning node brings its instances back')
    t.fromRemote(nodeKey(t.remote), nodeValue('far', { maintenance: true }))
    assert.equal(health(), 'maintenance')
    t.fromRemote(nodeKey(t.remote), nodeValue('far', { status: 'left' }))
    assert.equal(health(), undefined)
    const instanceEvents = t.events
      .filter((e) => 'service' in e && e.service === 'api')
      .map((e) => `${e.type}:${'health' in e ? e.health : ''}`)
    assert.deepEqual(instanceEvents, [
      'registered:passing',
      'health-changed:critical',
      'removed:',
      'registered:passing',
      'health-changed:maintenance',
      'removed:',
    ])
    const kinds = t.events.map((e) => e.type)
    assert.ok(
      kinds.includes('member-left') && kinds.includes('member-joined') && kinds.includes('member-changed'),
    )
  })

  it('a member change sends per-instance events even when nobody read the view since the last change', () => {
    const t = setup()
    t.fromRemote(nodeKey(t.remote), nodeValue('far'))
    t.fromRemote(instanceKey(t.remote, 'x'), inst('x', 'api'))
    // No view() here: the membership source changes first, then tells the view (as in the agent).
    t.liveness.set(t.remote, { state: 'unreachable' })
    t.view.memberChanged(t.remote, 'unreachable', 'suspect')
    t.liveness.set(t.remote, { state: 'alive' })
    t.view.memberChanged(t.remote, 'alive', 'unreachable')
    const instanceEvents = t.events
      .filter((e) => 'service' in e && e.service === 'api')
      .map((e) => `${e.type}:${'health' in e ? e.health : ''}`)
    assert.deepEqual(instanceEvents, [
      'registered:passing',
      'health-changed:critical',
      'health-changed:passing',
    ])
  })

  it('waitForIndex resolves on change, on timeout, and on abort', async () => {
    const t = setup()
    const i = t.view.index
    const p = t.view.waitForIndex(i, 10_000)
    t.store.writeLocal(instanceKey(t.local, 'a'), inst('a', 'web'))
    assert.ok((await p) > i)
    assert.equal(await t.view.waitForIndex(t.view.index, 5), t.view.index)
    const ctl = new AbortController()
    const q = t.view.waitForIndex(t.view.index, 10_000, ctl.signal)
    ctl.abort()
    assert.equal(await q, t.view.index)
    assert.equal(await t.view.waitForIndex(0, 10_000), t.view.index, 'already past: at once')
  })
})
