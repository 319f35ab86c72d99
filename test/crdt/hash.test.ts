import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { HASH_ZERO, hashString, hashToHex, xorHash } from '../../crdt/hash.ts'

describe('hashString', () => {
  it('its high word is 32-bit FNV-1a (published test vectors)', () => {
    assert.equal(hashString('').hi, 0x811c9dc5)
    assert.equal(hashString('a').hi, 0xe40c292c)
    assert.equal(hashString('foobar').hi, 0xbf9cf968)
  })

  it('is deterministic and gives unsigned 32-bit words', () => {
    const h = hashString('inst/x/y|1.2|l')
    assert.deepEqual(hashString('inst/x/y|1.2|l'), h)
    for (const w of [h.hi, h.lo]) assert.ok(Number.isInteger(w) && w >= 0 && w < 2 ** 32)
  })

  it('separates near-identical inputs in both words', () => {
    const seen = new Set<string>()
    for (let i = 0; i < 2000; i++) {
      const h = hashString(`inst/origin/web-${i}|1700000000000.${i % 7}|l`)
      seen.add(hashToHex(h))
    }
    assert.equal(seen.size, 2000)
    const a = hashString('key|1.0|l')
    const b = hashString('key|1.0|t')
    assert.notEqual(a.hi, b.hi)
    assert.notEqual(a.lo, b.lo)
  })
})

describe('xorHash', () => {
  const a = hashString('a')
  const b = hashString('b')
  const c = hashString('c')

  it('is commutative and associative, so a set hashes the same in any order', () => {
    assert.deepEqual(xorHash(a, b), xorHash(b, a))
    assert.deepEqual(xorHash(xorHash(a, b), c), xorHash(a, xorHash(b, c)))
  })

  it('removes an element by xoring it again (incremental replace)', () => {
    assert.deepEqual(xorHash(xorHash(a, b), b), a)
    assert.deepEqual(xorHash(a, a), HASH_ZERO)
    assert.deepEqual(xorHash(a, HASH_ZERO), a)
  })
})

describe('hashToHex', () => {
  it('is 16 lowercase hex digits, zero-padded', () => {
    assert.equal(hashToHex(HASH_ZERO), '0000000000000000')
    assert.equal(hashToHex({ hi: 0xabc, lo: 0xffffffff }), '00000abcffffffff')
    assert.match(hashToHex(hashString('x')), /^[0-9a-f]{16}$/)
  })
})
