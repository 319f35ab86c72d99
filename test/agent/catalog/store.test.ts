import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CatalogStore } from '../../../agent/catalog/store.ts'
import { instanceKey } from '../../../crdt/keys.ts'
import type { InstanceValue } from '../../../crdt/schema.ts'
import { FakeClock } from '../../helpers/fake-clock.ts'
import { fakeSigner, fakeVerify, testOrigin } from '../../helpers/fake-signing.ts'

const value = (id: string): InstanceValue => ({
  kind: 'instance',
  id,
  service: 'web',
  node: 'n',
  address: '10.0.0.1',
  port: 80,
  protocol: 'tcp',
  tags: [],
  meta: {},
  weight: 1,
  version: '',
  health: 'passing',
  checks: [],
})

function store(origin: string, clock: FakeClock, startWall?: number) {
  return new CatalogStore(
    { now: clock.now, sign: fakeSigner(origin), verify: fakeVerify },
    {
      origin,
      horizonMs: 7 * 86_400_000,
      maxDriftMs: 60_000,
      ...(startWall === undefined ? {} : { startHlc: { wall: startWall, count: 0 } }),
    },
  )
}

describe('CatalogStore', () => {
  it('local writes are signed, versioned after the restored clock, and emitted', () => {
    const clock = new FakeClock(1_000_000)
    const s = store(testOrigin(1), clock, 2_000_000)
    const events: boolean[] = []
    s.on('change', (e) => events.push(e.local))
    const e = s.writeLocal(instanceKey(testOrigin(1), 'a'), value('a'))
    assert.ok(e.sig !== undefined)
    assert.ok(e.hlc.wall >= 2_000_000, 'never older than the last version issued before a restart')
    assert.deepEqual(events, [true])
  })

  it('after a restart with the clock stepped back past maxClockDrift, own records are still answered; peers refuse them', () => {
    const clock = new FakeClock(1_000_000)
    const origin = testOrigin(1)
    const s = store(origin, clock, 1_000_000 + 10 * 60_000)
    s.writeLocal(instanceKey(origin, 'a'), value('a'))
    assert.equal(s.get(instanceKey(origin, 'a'))?.value?.kind, 'instance')
    const peer = store(testOrigin(2), clock)
    const r = peer.mergeRemote([s.get(instanceKey(origin, 'a'))!])
    assert.deepEqual(
      r.rejected.map((x) => x.reason),
      ['future'],
    )
  })

  it('remote entries: forged signatures and foreign keys are rejected, duplicates and stale counted', () => {
    const clock = new FakeClock(1_000_000)
    const a = store(testOrigin(1), clock)
    const b = store(testOrigin(2), clock)
    const e1 = a.writeLocal(instanceKey(testOrigin(1), 'x'), value('x'))
    clock.advance(10)
    const e2 = a.writeLocal(instanceKey(testOrigin(1), 'x'), { ...value('x'), port: 81 })
    assert.equal(b.mergeRemote([e2]).applied.length, 1)
    const again = b.mergeRemote([e2, e1])
    assert.equal(again.duplicates, 1)
    assert.equal(again.stale, 1)
    const forged = { ...e2, hlc: { wall: e2.hlc.wall + 1, count: 0 } }
    assert.deepEqual(
      b.mergeRemote([forged]).rejected.map((x) => x.reason),
      ['bad-signature'],
    )
    const foreign = { ...e2, origin: testOrigin(3) }
    assert.deepEqual(
      b.mergeRemote([foreign]).rejected.map((x) => x.reason),
      ['not-owned'],
    )
  })
})
