import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { describe, it } from 'node:test'
import type { Entry } from '../../crdt/entry.ts'
import {
  base64ToBytes,
  bytesToBase64,
  type SignFn,
  signEntry,
  signingBytes,
  type VerifyFn,
  verifyEntry,
} from '../../crdt/signing.ts'
import { hlc, inst, instanceValue, PEER_A, PEER_B, T0 } from './fixtures.ts'

/** A fake key pair per origin: HMAC-SHA512 with a per-origin secret, a 64-byte signature like Ed25519's. */
const secrets = new Map([
  [PEER_A, 'secret-a'],
  [PEER_B, 'secret-b'],
])
const signerFor =
  (origin: string): SignFn =>
  (bytes) =>
    new Uint8Array(
      createHmac('sha512', secrets.get(origin) as string)
        .update(bytes)
        .digest(),
    )
const verify: VerifyFn = (origin, bytes, sig) => {
  const secret = secrets.get(origin)
  if (secret === undefined) return false
  const expected = createHmac('sha512', secret).update(bytes).digest()
  return Buffer.compare(expected, Buffer.from(sig)) === 0
}

const unsigned = inst(PEER_A, 'web-1', hlc(T0, 2), instanceValue('web-1', { tags: ['a'], meta: { k: 'v' } }))
const signed = signEntry(unsigned, signerFor(PEER_A))

describe('signEntry / verifyEntry', () => {
  it('signs with the origin’s key and verifies', () => {
    assert.equal(typeof signed.sig, 'string')
    assert.equal(base64ToBytes(signed.sig as string)?.length, 64)
    assert.equal(verifyEntry(signed, verify), true)
  })

  it('signs tombstones too', () => {
    const t = signEntry(inst(PEER_A, 'web-1', hlc(T0, 3), null), signerFor(PEER_A))
    assert.equal(verifyEntry(t, verify), true)
  })

  it('replaces an existing signature rather than signing over it', () => {
    const again = signEntry({ ...signed, sig: 'AAAA' }, signerFor(PEER_A))
    assert.equal(again.sig, signed.sig)
  })

  it('an unsigned entry does not verify', () => {
    assert.equal(verifyEntry(unsigned, verify), false)
  })

  const tampered: Array<[string, Entry]> = [
    ['key', { ...signed, key: `inst/${PEER_A}/web-2` }],
    ['origin (re-attributed)', { ...signed, origin: PEER_B }],
    ['hlc wall (re-dated)', { ...signed, hlc: hlc(T0 + 1, 2) }],
    ['hlc count', { ...signed, hlc: hlc(T0, 3) }],
    [
      'value: a field',
      { ...signed, value: instanceValue('web-1', { tags: ['a'], meta: { k: 'v' }, port: 1 }) },
    ],
    [
      'value: a nested field',
      { ...signed, value: instanceValue('web-1', { tags: ['a'], meta: { k: 'w' } }) },
    ],
    [
      'value: an array element',
      { ...signed, value: instanceValue('web-1', { tags: ['b'], meta: { k: 'v' } }) },
    ],
    ['value: turned into a tombstone', { ...signed, value: null }],
    ['sig: one bit flipped', { ...signed, sig: flipBit(signed.sig as string) }],
    ['sig: truncated', { ...signed, sig: (signed.sig as string).slice(4) }],
    ['sig: not base64', { ...signed, sig: '!!!!' }],
    [
      'sig: signed by another origin',
      { ...signed, sig: signEntry(unsigned, signerFor(PEER_B)).sig as string },
    ],
  ]
  for (const [name, entry] of tampered) {
    it(`tampering with the ${name} fails verification`, () => {
      assert.equal(verifyEntry(entry, verify), false)
    })
  }

  it('a value with its keys in another order still verifies (the bytes are canonical)', () => {
    const v = signed.value as NonNullable<Entry['value']>
    const reordered = Object.fromEntries(Object.entries(v).reverse()) as typeof v
    assert.equal(verifyEntry({ ...signed, value: reordered }, verify), true)
  })

  it('an unknown origin does not verify', () => {
    const stranger = signEntry(inst('12D3KooWStranger1', 'x', hlc(T0)), () => new Uint8Array(64))
    assert.equal(verifyEntry(stranger, verify), false)
  })
})

describe('signingBytes', () => {
  it('starts with a versioned domain prefix and covers key, origin, hlc and value', () => {
    const text = new TextDecoder().decode(signingBytes(unsigned))
    assert.ok(text.startsWith('grapevine/entry/1\n'))
    const body = JSON.parse(text.slice('grapevine/entry/1\n'.length))
    assert.deepEqual(body.slice(0, 4), [unsigned.key, PEER_A, T0, 2])
    assert.deepEqual(body[4], unsigned.value)
  })

  it('does not depend on the signature', () => {
    assert.deepEqual(signingBytes(signed), signingBytes(unsigned))
  })
})

function flipBit(b64: string): string {
  const raw = base64ToBytes(b64) as Uint8Array
  raw[0] = (raw[0] as number) ^ 1
  return bytesToBase64(raw)
}

describe('base64', () => {
  const rfc4648: Array<[string, string]> = [
    ['', ''],
    ['f', 'Zg=='],
    ['fo', 'Zm8='],
    ['foo', 'Zm9v'],
    ['foob', 'Zm9vYg=='],
    ['fooba', 'Zm9vYmE='],
    ['foobar', 'Zm9vYmFy'],
  ]
  for (const [plain, encoded] of rfc4648) {
    it(`RFC 4648 vector ${JSON.stringify(plain)}`, () => {
      const raw = new TextEncoder().encode(plain)
      assert.equal(bytesToBase64(raw), encoded)
      assert.deepEqual(base64ToBytes(encoded), raw)
    })
  }

  it('agrees with Buffer on random bytes of every length 0..200 (seeded)', () => {
    let seed = 0x9e3779b9
    const rand = () => {
      seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0
      return seed & 255
    }
    for (let len = 0; len <= 200; len++) {
      for (let rep = 0; rep < 5; rep++) {
        const raw = Uint8Array.from({ length: len }, rand)
        const expected = Buffer.from(raw).toString('base64')
        assert.equal(bytesToBase64(raw), expected)
        assert.deepEqual(base64ToBytes(expected), raw)
      }
    }
  })

  it('covers every byte value', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i)
    assert.equal(bytesToBase64(all), Buffer.from(all).toString('base64'))
    assert.deepEqual(base64ToBytes(bytesToBase64(all)), all)
  })

  const malformed: Array<[string, string]> = [
    ['length not a multiple of 4', 'Zm9'],
    ['a character outside the alphabet', 'Zm9*'],
    ['url-safe alphabet', 'Zm-_'],
    ['padding in the middle', 'Zg==Zm9v'],
    ['padding too early in the last group', 'Z=9v'],
    ['three padding characters', 'Z==='],
    ['all padding', '===='],
    ['whitespace', 'Zm9v\n'],
    ['non-zero bits after the last byte (2 pad)', 'Zh=='],
    ['non-zero bits after the last byte (1 pad)', 'Zm9='],
  ]
  for (const [name, text] of malformed) {
    it(`refuses ${name}: ${JSON.stringify(text)}`, () => {
      assert.equal(base64ToBytes(text), undefined)
    })
  }
})
