import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decideDelta, decideHeartbeat } from '../../../agent/gossip/validate.ts'
import { instanceKey, nodeKey } from '../../../crdt/keys.ts'
import { signEntry } from '../../../crdt/signing.ts'
import { encodeFrame } from '../../../crdt/wire.ts'
import { fakeSigner, fakeVerify, testOrigin } from '../../helpers/fake-signing.ts'
import { instanceValue } from './harness.ts'

const A = testOrigin(1)
const B = testOrigin(2)
const enc = new TextEncoder()

function signed(origin: string, id: string, signer = origin) {
  return signEntry(
    {
      key: instanceKey(origin, id),
      origin,
      hlc: { wall: 1_700_000_000_000, count: 0 },
      value: instanceValue(id, 'web', 80),
    },
    fakeSigner(signer),
  )
}

describe('decideDelta', () => {
  const cases: Array<{ name: string; data: Uint8Array; from: string; verdict: string; reason?: string }> = [
    {
      name: 'own, signed records: accept',
      data: encodeFrame({ v: 1, kind: 'delta', entries: [signed(A, 'x'), signed(A, 'y')] }),
      from: A,
      verdict: 'accept',
    },
    {
      name: 'a record claiming another origin: reject',
      data: encodeFrame({ v: 1, kind: 'delta', entries: [signed(A, 'x'), signed(B, 'y', A)] }),
      from: A,
      verdict: 'reject',
      reason: 'foreign-origin',
    },
    {
      name: "another origin's genuine record relayed as a delta: reject (deltas carry own records only)",
      data: encodeFrame({ v: 1, kind: 'delta', entries: [signed(B, 'y')] }),
      from: A,
      verdict: 'reject',
      reason: 'foreign-origin',
    },
    {
      name: 'signed by someone else: reject',
      data: encodeFrame({ v: 1, kind: 'delta', entries: [signed(A, 'x', B)] }),
      from: A,
      verdict: 'reject',
      reason: 'bad-signature',
    },
    {
      name: 'unsigned: reject',
      data: encodeFrame({
        v: 1,
        kind: 'delta',
        entries: [{ key: nodeKey(A), origin: A, hlc: { wall: 1, count: 0 }, value: null }],
      }),
      from: A,
      verdict: 'reject',
      reason: 'bad-signature',
    },
    {
      name: 'not JSON: reject',
      data: enc.encode('\u0000garbage'),
      from: A,
      verdict: 'reject',
      reason: 'malformed',
    },
    {
      name: 'schema violation: reject',
      data: enc.encode('{"v":1,"kind":"delta","entries":[{"key":1}]}'),
      from: A,
      verdict: 'reject',
      reason: 'malformed',
    },
    {
      name: 'key not owned by its origin: reject',
      data: enc.encode(
        `{"v":1,"kind":"delta","entries":[{"key":"node/${B}","origin":"${A}","hlc":[1,0],"value":null}]}`,
      ),
      from: A,
      verdict: 'reject',
      reason: 'not-owned',
    },
    {
      name: 'empty delta: reject',
      data: encodeFrame({ v: 1, kind: 'delta', entries: [] }),
      from: A,
      verdict: 'reject',
      reason: 'empty',
    },
    {
      name: 'a digest on the catalog topic: reject',
      data: encodeFrame({ v: 1, kind: 'end' }),
      from: A,
      verdict: 'reject',
      reason: 'wrong-kind',
    },
    {
      name: 'too large: reject',
      data: encodeFrame({ v: 1, kind: 'delta', entries: [signed(A, 'x')] }),
      from: A,
      verdict: 'reject',
      reason: 'too-large',
    },
    {
      name: 'a newer wire version: ignore',
      data: enc.encode('{"v":2,"kind":"delta"}'),
      from: A,
      verdict: 'ignore',
      reason: 'newer-version',
    },
    {
      name: 'an unknown kind: ignore',
      data: enc.encode('{"v":1,"kind":"gossip-v9"}'),
      from: A,
      verdict: 'ignore',
      reason: 'unknown-kind',
    },
  ]
  for (const c of cases) {
    it(c.name, () => {
      const max = c.reason === 'too-large' ? 10 : 1 << 20
      const d = decideDelta(c.data, c.from, fakeVerify, max)
      assert.equal(d.verdict, c.verdict)
      if (c.reason !== undefined) assert.equal(d.verdict !== 'accept' ? d.reason : undefined, c.reason)
    })
  }
})

describe('decideHeartbeat', () => {
  const from = testOrigin(1)
  const other = testOrigin(2)
  it('accepts a heartbeat, with or without its period, rejects other kinds and garbage', () => {
    assert.equal(
      decideHeartbeat(encodeFrame({ v: 1, kind: 'heartbeat', incarnation: 1, seq: 2 }), from).verdict,
      'accept',
    )
    const d = decideHeartbeat(
      encodeFrame({ v: 1, kind: 'heartbeat', incarnation: 1, seq: 2, every: 2000 }),
      from,
    )
    assert.deepEqual(d.verdict === 'accept' ? d.frame : undefined, {
      v: 1,
      kind: 'heartbeat',
      incarnation: 1,
      seq: 2,
      every: 2000,
    })
    assert.equal(decideHeartbeat(encodeFrame({ v: 1, kind: 'end' }), from).verdict, 'reject')
    assert.equal(decideHeartbeat(enc.encode('x'), from).verdict, 'reject')
    assert.equal(decideHeartbeat(enc.encode('{"v":3,"kind":"heartbeat"}'), from).verdict, 'ignore')
    assert.equal(
      decideHeartbeat(enc.encode('{"v":1,"kind":"heartbeat","incarnation":1,"seq":1,"every":0}'), from)
        .verdict,
      'reject',
    )
  })

  it('accepts an accusation of another node, rejects a self-accusation or a bad origin', () => {
    const accuse = (origin: string) => encodeFrame({ v: 1, kind: 'suspect', origin, incarnation: 3 })
    assert.equal(decideHeartbeat(accuse(other), from).verdict, 'accept')
    const self = decideHeartbeat(accuse(from), from)
    assert.equal(self.verdict === 'reject' ? self.reason : undefined, 'self-accusation')
    assert.equal(
      decideHeartbeat(enc.encode('{"v":1,"kind":"suspect","origin":"not a peer id!","incarnation":1}'), from)
        .verdict,
      'reject',
    )
  })
})
