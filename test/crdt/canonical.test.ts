import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { canonicalJson } from '../../crdt/canonical.ts'

describe('canonicalJson', () => {
  const table: Array<[string, unknown, string]> = [
    ['null', null, 'null'],
    ['top-level undefined', undefined, 'null'],
    ['string with escapes', 'a"b\\c\n', '"a\\"b\\\\c\\n"'],
    ['number', -1.5, '-1.5'],
    ['non-finite number', Number.NaN, 'null'],
    ['boolean', true, 'true'],
    ['empty object', {}, '{}'],
    ['empty array', [], '[]'],
    ['keys sorted', { b: 1, a: 2, c: 3 }, '{"a":2,"b":1,"c":3}'],
    ['nested keys sorted', { z: { y: 1, x: [{ b: 1, a: 0 }] } }, '{"z":{"x":[{"a":0,"b":1}],"y":1}}'],
    ['undefined properties dropped', { a: undefined, b: 1 }, '{"b":1}'],
    ['undefined in an array is null', [1, undefined, 2], '[1,null,2]'],
    ['unicode kept, lone surrogate escaped', { k: 'é\ud800' }, '{"k":"é\\ud800"}'],
  ]
  for (const [name, value, expected] of table) {
    it(name, () => {
      assert.equal(canonicalJson(value), expected)
    })
  }

  it('gives equal bytes for equal values built in a different key order', () => {
    const a = { service: 'web', meta: { zone: 'a', rack: '1' }, tags: ['x', 'y'] }
    const b = { tags: ['x', 'y'], meta: { rack: '1', zone: 'a' }, service: 'web' }
    assert.equal(canonicalJson(a), canonicalJson(b))
  })

  it('keeps array order (arrays are ordered values)', () => {
    assert.notEqual(canonicalJson(['x', 'y']), canonicalJson(['y', 'x']))
  })

  it('is valid JSON that parses back to the value', () => {
    const v = { b: [1, 'two', null, { d: false, c: 0 }], a: 'x' }
    assert.deepEqual(JSON.parse(canonicalJson(v)), v)
  })
})
