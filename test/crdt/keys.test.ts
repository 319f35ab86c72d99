import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { instanceKey, isOwnedKey, nodeKey, type ParsedKey, parseKey } from '../../crdt/keys.ts'
import type { RecordValue } from '../../crdt/schema.ts'
import { instanceValue, nodeValue, PEER_A, PEER_B } from './fixtures.ts'

describe('instanceKey, nodeKey', () => {
  it('embed the owner in the key', () => {
    assert.equal(instanceKey(PEER_A, 'web-1'), `inst/${PEER_A}/web-1`)
    assert.equal(nodeKey(PEER_A), `node/${PEER_A}`)
  })

  it('give two owners of one instance id two different keys', () => {
    assert.notEqual(instanceKey(PEER_A, 'web-1'), instanceKey(PEER_B, 'web-1'))
  })
})

describe('parseKey', () => {
  const table: Array<[string, ParsedKey | undefined]> = [
    [`inst/${PEER_A}/web-1`, { kind: 'inst', origin: PEER_A, id: 'web-1' }],
    [`node/${PEER_A}`, { kind: 'node', origin: PEER_A, id: '' }],
    ['inst/o/x:y@z', { kind: 'inst', origin: 'o', id: 'x:y@z' }],
    ['', undefined],
    ['inst', undefined],
    ['node', undefined],
    ['node/', undefined],
    ['node/a/b', undefined],
    ['inst/', undefined],
    ['inst/origin', undefined],
    ['inst/origin/', undefined],
    ['inst//id', undefined],
    ['inst/origin/id/more', undefined],
    ['svc/origin/id', undefined],
    ['INST/origin/id', undefined],
  ]
  for (const [key, expected] of table) {
    it(`${JSON.stringify(key)} -> ${expected === undefined ? 'invalid' : expected.kind}`, () => {
      assert.deepEqual(parseKey(key), expected)
    })
  }

  it('round-trips the builders', () => {
    assert.deepEqual(parseKey(instanceKey(PEER_B, 'db.primary')), {
      kind: 'inst',
      origin: PEER_B,
      id: 'db.primary',
    })
    assert.deepEqual(parseKey(nodeKey(PEER_B)), { kind: 'node', origin: PEER_B, id: '' })
  })
})

describe('isOwnedKey', () => {
  const table: Array<[string, string, string, RecordValue | null, boolean]> = [
    ['own instance', instanceKey(PEER_A, 'w'), PEER_A, instanceValue('w'), true],
    ['own instance tombstone', instanceKey(PEER_A, 'w'), PEER_A, null, true],
    ['own node record', nodeKey(PEER_A), PEER_A, nodeValue('h'), true],
    ['own node tombstone', nodeKey(PEER_A), PEER_A, null, true],
    ['another origin claims the key', instanceKey(PEER_A, 'w'), PEER_B, instanceValue('w'), false],
    ['another origin claims a tombstone', instanceKey(PEER_A, 'w'), PEER_B, null, false],
    ['another origin claims the node record', nodeKey(PEER_A), PEER_B, nodeValue('h'), false],
    ['key id differs from the value id', instanceKey(PEER_A, 'w'), PEER_A, instanceValue('x'), false],
    ['instance key holds a node value', instanceKey(PEER_A, 'w'), PEER_A, nodeValue('w'), false],
    ['node key holds an instance value', nodeKey(PEER_A), PEER_A, instanceValue('w'), false],
    ['malformed key', 'garbage', PEER_A, null, false],
  ]
  for (const [name, key, origin, value, expected] of table) {
    it(`${name}: ${expected}`, () => {
      assert.equal(isOwnedKey(key, origin, value), expected)
    })
  }
})
