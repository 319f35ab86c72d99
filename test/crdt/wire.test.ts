import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Catalog } from '../../crdt/catalog.ts'
import { HLC_MAX_COUNT } from '../../crdt/hlc.ts'
import {
  DEFAULT_MAX_FRAME_BYTES,
  decodeFrame,
  describeWireError,
  encodeFrame,
  type Frame,
  WIRE_VERSION,
  type WireError,
} from '../../crdt/wire.ts'
import { FOREVER, hlc, inst, instanceValue, node, nodeValue, PEER_A, PEER_B, T0 } from './fixtures.ts'

const enc = new TextEncoder()
const bytes = (s: string) => enc.encode(s)
const json = (v: unknown) => bytes(JSON.stringify(v))

const full = inst(
  PEER_A,
  'web-1',
  hlc(T0, 3),
  instanceValue('web-1', {
    tags: ['v2', 'primary'],
    meta: { zone: 'eu-1', 'build.sha': 'abc' },
    checks: [{ id: 'c1', name: 'http', type: 'http', status: 'passing', output: 'HTTP 200' }],
    health: 'warning',
  }),
  'c2lnbmF0dXJl',
)
const tomb = inst(PEER_A, 'web-2', hlc(T0, 4), null)
const nodeEntry = node(
  PEER_B,
  hlc(T0 + 1, 0),
  nodeValue('host-b', { multiaddrs: ['/ip4/10.0.0.2/tcp/4001'] }),
)

function digestOf(...entries: Parameters<Catalog['merge']>[0][]) {
  const c = new Catalog()
  c.mergeAll(entries, FOREVER)
  return c.digest()
}

describe('encodeFrame / decodeFrame round-trip', () => {
  const frames: Array<[string, Frame]> = [
    ['delta', { v: 1, kind: 'delta', entries: [full, tomb, nodeEntry] }],
    ['empty delta', { v: 1, kind: 'delta', entries: [] }],
    ['entries', { v: 1, kind: 'entries', entries: [nodeEntry, tomb] }],
    ['digest', { v: 1, kind: 'digest', digest: digestOf(full, tomb, nodeEntry) }],
    ['empty digest', { v: 1, kind: 'digest', digest: new Map() }],
    ['end', { v: 1, kind: 'end' }],
    ['heartbeat', { v: 1, kind: 'heartbeat', incarnation: 3, seq: 12345 }],
  ]
  for (const [name, frame] of frames) {
    it(name, () => {
      const encoded = encodeFrame(frame)
      const decoded = decodeFrame(encoded)
      assert.ok(decoded.ok, JSON.stringify(decoded))
      assert.deepEqual(decoded.value, frame)
      assert.deepEqual(encodeFrame(decoded.value), encoded, 'the encoding is stable')
    })
  }

  it('an envelope carries the version and the kind', () => {
    const raw = JSON.parse(new TextDecoder().decode(encodeFrame({ v: 1, kind: 'end' })))
    assert.deepEqual(raw, { v: WIRE_VERSION, kind: 'end' })
  })
})

describe('decodeFrame errors', () => {
  const entry = { key: `inst/${PEER_A}/w`, origin: PEER_A, hlc: [T0, 0], value: null }
  const table: Array<[string, Uint8Array, Partial<WireError> & { type: WireError['type'] }]> = [
    ['invalid UTF-8', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), { type: 'not-json' }],
    ['empty input', new Uint8Array(0), { type: 'not-json' }],
    ['truncated JSON', bytes('{"v":1,"kind":"end"'), { type: 'not-json' }],
    ['a JSON array', bytes('[1,2]'), { type: 'not-json' }],
    ['JSON null', bytes('null'), { type: 'not-json' }],
    ['a JSON number', bytes('42'), { type: 'not-json' }],
    ['no version', json({ kind: 'end' }), { type: 'unsupported-version', version: undefined }],
    ['a newer version', json({ v: 2, kind: 'end' }), { type: 'unsupported-version', version: 2 }],
    ['a string version', json({ v: '1', kind: 'end' }), { type: 'unsupported-version', version: '1' }],
    ['an unknown kind', json({ v: 1, kind: 'gossip-v9' }), { type: 'unknown-kind', kind: 'gossip-v9' }],
    ['no kind', json({ v: 1 }), { type: 'unknown-kind', kind: undefined }],
    ['end with an extra field', json({ v: 1, kind: 'end', x: 1 }), { type: 'invalid', kind: 'end' }],
    ['delta without entries', json({ v: 1, kind: 'delta' }), { type: 'invalid', kind: 'delta' }],
    [
      'entries with an extra entry field',
      json({ v: 1, kind: 'entries', entries: [{ ...entry, extra: 1 }] }),
      { type: 'invalid', kind: 'entries' },
    ],
    [
      'delta with a bad origin',
      json({ v: 1, kind: 'delta', entries: [{ ...entry, origin: 'not a peer id!' }] }),
      { type: 'invalid', kind: 'delta' },
    ],
    [
      'delta with a negative wall',
      json({ v: 1, kind: 'delta', entries: [{ ...entry, hlc: [-1, 0] }] }),
      { type: 'invalid', kind: 'delta' },
    ],
    [
      'delta with an unsafe wall',
      json({ v: 1, kind: 'delta', entries: [{ ...entry, hlc: [2 ** 60, 0] }] }),
      { type: 'invalid', kind: 'delta' },
    ],
    [
      'delta with a count past the maximum',
      json({ v: 1, kind: 'delta', entries: [{ ...entry, hlc: [T0, HLC_MAX_COUNT + 1] }] }),
      { type: 'invalid', kind: 'delta' },
    ],
    [
      'delta with a value that breaks the schema',
      json({
        v: 1,
        kind: 'delta',
        entries: [{ ...entry, value: { ...instanceValue('w'), port: 70000 } }],
      }),
      { type: 'invalid', kind: 'delta' },
    ],
    [
      'delta with a bad signature string',
      json({ v: 1, kind: 'delta', entries: [{ ...entry, sig: 'not base64!' }] }),
      { type: 'invalid', kind: 'delta' },
    ],
    [
      'delta whose entry claims another origin’s key',
      json({ v: 1, kind: 'delta', entries: [{ ...entry, origin: PEER_B }] }),
      { type: 'not-owned', key: `inst/${PEER_A}/w`, origin: PEER_B },
    ],
    [
      'delta whose value names another id than its key',
      json({ v: 1, kind: 'delta', entries: [{ ...entry, value: instanceValue('x') }] }),
      { type: 'not-owned' },
    ],
    [
      'digest with a bad checksum',
      json({ v: 1, kind: 'digest', origins: [{ origin: PEER_A, max: [1, 0], count: 1, sum: 'XYZ' }] }),
      { type: 'invalid', kind: 'digest' },
    ],
    [
      'digest with an out-of-range max',
      json({
        v: 1,
        kind: 'digest',
        origins: [{ origin: PEER_A, max: [1e300, 0], count: 1, sum: '0000000000000000' }],
      }),
      { type: 'invalid', kind: 'digest' },
    ],
    [
      'heartbeat with a negative seq',
      json({ v: 1, kind: 'heartbeat', incarnation: 1, seq: -1 }),
      { type: 'invalid', kind: 'heartbeat' },
    ],
    [
      'heartbeat with a fractional incarnation',
      json({ v: 1, kind: 'heartbeat', incarnation: 1.5, seq: 1 }),
      { type: 'invalid', kind: 'heartbeat' },
    ],
  ]
  for (const [name, input, expected] of table) {
    it(`${name}: ${expected.type}`, () => {
      const r = decodeFrame(input)
      assert.equal(r.ok, false, JSON.stringify(r))
      if (r.ok) return
      for (const [k, v] of Object.entries(expected))
        assert.deepEqual((r.error as Record<string, unknown>)[k], v, k)
      assert.ok(describeWireError(r.error).length > 0)
    })
  }

  it('too-large: refuses a frame over the limit before parsing it', () => {
    const frame = encodeFrame({ v: 1, kind: 'heartbeat', incarnation: 1, seq: 1 })
    assert.deepEqual(decodeFrame(frame, frame.byteLength - 1), {
      ok: false,
      error: { type: 'too-large', size: frame.byteLength, max: frame.byteLength - 1 },
    })
    assert.ok(decodeFrame(frame, frame.byteLength).ok)
    const big = new Uint8Array(DEFAULT_MAX_FRAME_BYTES + 1)
    const r = decodeFrame(big)
    assert.equal(!r.ok && r.error.type, 'too-large')
  })

  it('an invalid error names the path that failed', () => {
    const r = decodeFrame(json({ v: 1, kind: 'heartbeat', incarnation: 1, seq: -1 }))
    assert.equal(!r.ok && r.error.type === 'invalid' && r.error.path, '/seq')
  })

  const located: Array<[string, string, string, RegExp]> = [
    [
      'an extra envelope field',
      JSON.stringify({ v: 1, kind: 'end', extra: 1 }),
      '/extra',
      /unexpected property/,
    ],
    [
      '60,000 extra envelope fields (checked by hand, not by the schema)',
      `{"v":1,"kind":"end",${Array.from({ length: 60_000 }, (_, i) => `"k${i}":1`).join(',')}}`,
      '/k0',
      /unexpected property/,
    ],
    [
      'a field name with / and ~ (JSON Pointer escaped)',
      '{"v":1,"kind":"end","a/b~c":1}',
      '/a~1b~0c',
      /unexpected/,
    ],
    ['a missing envelope field', '{"v":1,"kind":"heartbeat","seq":1}', '/', /must have property incarnation/],
    ['entries not an array', '{"v":1,"kind":"delta","entries":{}}', '/entries', /must be an array/],
    [
      'more entries than a frame may hold',
      `{"v":1,"kind":"delta","entries":[${Array.from({ length: 20_001 }, () => '{}').join(',')}]}`,
      '/entries',
      /at most 20000 items/,
    ],
    [
      'the first bad entry, by index',
      JSON.stringify({
        v: 1,
        kind: 'entries',
        entries: [
          { key: `node/${PEER_A}`, origin: PEER_A, hlc: [T0, 0], value: null },
          { key: `node/${PEER_A}`, origin: PEER_A, hlc: [T0, 'x'], value: null },
        ],
      }),
      '/entries/1/hlc/1',
      /integer/,
    ],
    [
      'a huge bad entry: located, not walked',
      JSON.stringify({
        v: 1,
        kind: 'delta',
        entries: [
          {
            key: `node/${PEER_A}`,
            origin: PEER_A,
            hlc: [T0, 0],
            value: Array.from({ length: 5_000 }, () => 1),
          },
        ],
      }),
      '/entries/0',
      /does not match the schema/,
    ],
    [
      'the first bad digest line',
      JSON.stringify({
        v: 1,
        kind: 'digest',
        origins: [
          { origin: PEER_A, max: [1, 0], count: 1, sum: '0000000000000000' },
          { origin: PEER_B, max: [1, 0], count: -1, sum: '0000000000000000' },
        ],
      }),
      '/origins/1/count',
      /minimum|>=/,
    ],
  ]
  for (const [name, text, path, detail] of located) {
    it(`names the place: ${name}`, () => {
      const r = decodeFrame(bytes(text))
      assert.equal(r.ok, false)
      if (r.ok || r.error.type !== 'invalid') return assert.fail(JSON.stringify(r))
      assert.equal(r.error.path, path)
      assert.match(r.error.detail, detail)
    })
  }

  it('truncates a hostile field name in the path', () => {
    const r = decodeFrame(bytes(`{"v":1,"kind":"end","${'x'.repeat(10_000)}":1}`))
    assert.equal(!r.ok && r.error.type === 'invalid' && r.error.path.length, 65)
  })

  it('repeats numbers, booleans and null from the sender as they came, anything else as a short string', () => {
    const version = (v: string) => {
      const r = decodeFrame(bytes(`{"v":${v},"kind":"end"}`))
      return !r.ok && r.error.type === 'unsupported-version' ? r.error.version : 'decoded'
    }
    assert.equal(version('2'), 2)
    assert.equal(version('null'), null)
    assert.equal(version('true'), true)
    assert.equal(version('"1"'), '1')
    assert.equal(version('[[1]]'), '[[1]]')
    assert.equal(version(`${'['.repeat(50_000)}${']'.repeat(50_000)}`), 'an array')
    const r = decodeFrame(bytes(`{"v":1,"kind":"${'k'.repeat(1000)}"}`))
    assert.equal(!r.ok && r.error.type === 'unknown-kind' && String(r.error.kind).length, 64)
  })

  it('a deeply nested document is an error, not a stack overflow', () => {
    const deep = `{"v":1,"kind":"delta","entries":${'['.repeat(100_000)}${']'.repeat(100_000)}}`
    const r = decodeFrame(bytes(deep))
    assert.equal(r.ok, false)
  })
})

describe('describeWireError', () => {
  const errors: Array<[WireError, RegExp]> = [
    [{ type: 'too-large', size: 10, max: 5 }, /10 bytes.*5-byte/],
    [{ type: 'not-json', detail: 'Unexpected end' }, /not a JSON frame: Unexpected end/],
    [{ type: 'unsupported-version', version: 9 }, /version 9/],
    [{ type: 'unknown-kind', kind: 'x' }, /kind x/],
    [
      { type: 'invalid', kind: 'delta', path: '/entries/0', detail: 'bad' },
      /delta frame at \/entries\/0: bad/,
    ],
    [{ type: 'not-owned', key: 'inst/a/b', origin: 'c' }, /inst\/a\/b.*origin c/],
  ]
  for (const [error, re] of errors) {
    it(error.type, () => {
      assert.match(describeWireError(error), re)
    })
  }

  it('never throws on hostile decoded values (found by the properties)', () => {
    const hostile = decodeFrame(bytes('{"v":{"toString":null},"kind":"end"}'))
    assert.equal(!hostile.ok && hostile.error.type, 'unsupported-version')
    assert.match(
      describeWireError(!hostile.ok ? hostile.error : ({} as WireError)),
      /version \{"toString":null\}/,
    )
    const deep = JSON.parse('['.repeat(20_000) + ']'.repeat(20_000))
    assert.match(describeWireError({ type: 'unknown-kind', kind: deep }), /kind an array/)
    assert.match(describeWireError({ type: 'unknown-kind', kind: 'x'.repeat(500) }), /\.\.\.$/)
  })
})

describe('record schema limits', () => {
  it('refuses a metadata key outside the allowed characters', () => {
    const bad = inst(PEER_A, 'x', hlc(T0), instanceValue('x', { meta: { 'has space': 'v' } }))
    const r = decodeFrame(encodeFrame({ v: 1, kind: 'delta', entries: [bad] }))
    assert.equal(r.ok, false)
    const good = inst(PEER_A, 'x', hlc(T0), instanceValue('x', { meta: { 'team.name_1-x': 'v' } }))
    assert.equal(decodeFrame(encodeFrame({ v: 1, kind: 'delta', entries: [good] })).ok, true)
  })
})
