import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { HEALTH_STATES, type Health } from '../../crdt/schema.ts'
import {
  createCatalogView,
  effectiveHealth,
  type InstanceView,
  MEMBER_STATES,
  type MemberState,
  type NodeView,
} from '../../crdt/view.ts'
import { hlc, instanceValue, PEER_A, PEER_B, T0 } from './fixtures.ts'

describe('effectiveHealth', () => {
  const expected = (own: Health, state: MemberState, maintenance: boolean): Health | undefined => {
    if (state === 'left') return undefined
    if (state === 'unreachable') return 'critical'
    if (maintenance) return 'maintenance'
    return own
  }
  for (const own of HEALTH_STATES) {
    it(`${own} with no node record stays ${own}`, () => {
      assert.equal(effectiveHealth(own, undefined), own)
    })
    for (const state of MEMBER_STATES) {
      for (const maintenance of [false, true]) {
        const want = expected(own, state, maintenance)
        it(`${own} on a${maintenance ? ' maintenance' : ''} ${state} node -> ${want ?? 'not answered'}`, () => {
          assert.equal(effectiveHealth(own, { state, maintenance }), want)
        })
      }
    }
  }

  it('spot checks: a suspect node changes nothing; unreachable beats maintenance; left hides', () => {
    assert.equal(effectiveHealth('passing', { state: 'suspect', maintenance: false }), 'passing')
    assert.equal(effectiveHealth('warning', { state: 'unreachable', maintenance: true }), 'critical')
    assert.equal(effectiveHealth('passing', { state: 'left', maintenance: true }), undefined)
  })
})

function instView(origin: string, id: string, service: string, health: Health = 'passing'): InstanceView {
  return {
    key: `inst/${origin}/${id}`,
    origin,
    hlc: hlc(T0),
    instance: instanceValue(id, { service }),
    health,
    nodeState: 'alive',
  }
}

function nodeView(origin: string, name: string): NodeView {
  return {
    origin,
    name,
    addresses: ['10.0.0.1'],
    multiaddrs: [],
    meta: {},
    maintenance: false,
    agentVersion: '0.1.0',
    state: 'alive',
    hlc: hlc(T0),
  }
}

describe('createCatalogView', () => {
  const instances = [
    instView(PEER_B, 'w2', 'Web'),
    instView(PEER_A, 'db1', 'db'),
    instView(PEER_A, 'w1', 'Web'),
    instView(PEER_A, 'api', 'API_gw'),
  ]
  const nodes = [nodeView(PEER_B, 'Host-B'), nodeView(PEER_A, 'host-a')]
  const view = createCatalogView({ index: 7, localOrigin: PEER_A, instances, nodes })

  it('keeps index and local origin', () => {
    assert.equal(view.index, 7)
    assert.equal(view.localOrigin, PEER_A)
  })

  it('looks services up case-insensitively, in key order', () => {
    for (const name of ['web', 'WEB', 'Web', 'wEb']) {
      assert.deepEqual(
        view.instancesOf(name).map((i) => i.key),
        [`inst/${PEER_A}/w1`, `inst/${PEER_B}/w2`],
        name,
      )
    }
    assert.deepEqual(
      view.instancesOf('api_GW').map((i) => i.instance.id),
      ['api'],
    )
    assert.deepEqual(view.instancesOf('nope'), [])
  })

  it('lists service names as registered, sorted', () => {
    assert.deepEqual(view.serviceNames(), ['API_gw', 'Web', 'db'])
  })

  it('lists every instance in key order', () => {
    const keys = view.instances().map((i) => i.key)
    assert.deepEqual(keys, [...keys].sort())
    assert.equal(keys.length, 4)
  })

  it('finds nodes by name case-insensitively and by origin exactly', () => {
    assert.equal(view.nodeByName('HOST-b')?.origin, PEER_B)
    assert.equal(view.nodeByName('host-A')?.origin, PEER_A)
    assert.equal(view.nodeByName('host-c'), undefined)
    assert.equal(view.nodeByOrigin(PEER_A)?.name, 'host-a')
    assert.equal(view.nodeByOrigin(PEER_A.toLowerCase()), undefined)
    assert.deepEqual(
      view.nodes().map((n) => n.name),
      ['Host-B', 'host-a'],
    )
  })

  it('does not change when the input arrays change afterwards', () => {
    const list = [instView(PEER_A, 'x', 'svc')]
    const v = createCatalogView({ index: 1, localOrigin: PEER_A, instances: list, nodes: [] })
    list.push(instView(PEER_A, 'y', 'svc'))
    assert.equal(v.instancesOf('svc').length, 1)
  })
})
