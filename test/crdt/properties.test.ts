/**
 * The CRDT's laws, checked with fast-check (STYLE.md §9): merge is commutative, associative and
 * idempotent on the canonical form; 3–7 replicas converge byte for byte after lossy, duplicated,
 * reordered delivery and anti-entropy; the HLC is monotonic under any wall clock; every frame
 * round-trips; decoding never throws. 1,000 runs each. A failure prints its seed and path
 * (replay with `{ seed, path }` in the parameters) and its counterexample goes into the
 * `// regression:` list of that property, so it is checked first on every later run.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { canonicalJson } from '../../crdt/canonical.ts'
import { Catalog } from '../../crdt/catalog.ts'
import { compareEntries, type Entry } from '../../crdt/entry.ts'
import { compareHlc, HLC_MAX_COUNT, type Hlc, HybridClock, isValidHlc } from '../../crdt/hlc.ts'
import { instanceKey, nodeKey } from '../../crdt/keys.ts'
import { decodeFrame, describeWireError, encodeFrame, type Frame } from '../../crdt/wire.ts'
import { frameArb, instanceValueArb } from './arbitraries.ts'
import { FOREVER, instanceValue, nodeValue, peerId, T0 } from './fixtures.ts'
import { mutate, mutationArb, replaceAt } from './mutations.ts'
import { ANTI_ENTROPY_ROUNDS, runScenario, type Scenario, scenarioArb } from './replica-sim.ts'

const RUNS = { numRuns: 1000, verbose: 1 } as const

// ---- merge laws ---------------------------------------------------------------------------

/** Entries from a tiny domain, so keys collide and equal HLCs with different contents are common. */
const ORIGINS = [peerId(0), peerId(1), peerId(2)]
const smallEntryArb: fc.Arbitrary<Entry> = fc
  .record({
    origin: fc.constantFrom(...ORIGINS),
    id: fc.constantFrom('a', 'b', ''),
    wall: fc.integer({ min: 1, max: 4 }),
    count: fc.integer({ min: 0, max: 2 }),
    tomb: fc.boolean(),
    port: fc.integer({ min: 0, max: 2 }),
    sig: fc.constantFrom(undefined, 'QUJD', 'QUJE'),
  })
  .map(({ origin, id, wall, count, tomb, port, sig }) => {
    const isNode = id === ''
    const value = tomb ? null : isNode ? nodeValue(`n${port}`) : instanceValue(id, { port })
    const base: Entry = {
      key: isNode ? nodeKey(origin) : instanceKey(origin, id),
      origin,
      hlc: { wall, count },
      value,
    }
    return sig === undefined ? base : { ...base, sig }
  })
const entriesArb = fc.array(smallEntryArb, { maxLength: 12 })

function build(entries: readonly Entry[]): Catalog {
  const c = new Catalog()
  c.mergeAll(entries, FOREVER)
  return c
}

function join(...catalogs: Catalog[]): Catalog {
  const c = new Catalog()
  for (const x of catalogs) c.mergeAll(x.values(), FOREVER)
  return c
}

describe('merge laws (on Catalog.canonical())', () => {
  // regression: (none found yet)
  const pairRegressions: Array<[Entry[], Entry[]]> = []
  const tripleRegressions: Array<[Entry[], Entry[], Entry[]]> = []

  it('is commutative', () => {
    fc.assert(
      fc.property(entriesArb, entriesArb, (a, b) => {
        const [x, y] = [build(a), build(b)]
        const ab = join(x, y)
        const ba = join(y, x)
        assert.equal(ab.canonical(), ba.canonical())
        assert.deepEqual(ab.digest(), ba.digest())
      }),
      { ...RUNS, examples: pairRegressions },
    )
  })

  it('is associative', () => {
    fc.assert(
      fc.property(entriesArb, entriesArb, entriesArb, (a, b, c) => {
        const [x, y, z] = [build(a), build(b), build(c)]
        assert.equal(join(join(x, y), z).canonical(), join(x, join(y, z)).canonical())
      }),
      { ...RUNS, examples: tripleRegressions },
    )
  })

  it('is idempotent', () => {
    fc.assert(
      fc.property(entriesArb, (a) => {
        const x = build(a)
        const before = x.canonical()
        assert.equal(join(x, x).canonical(), before)
        assert.equal(
          x.mergeAll([...x.values()], FOREVER).length,
          0,
          'merging a catalog into itself applies nothing',
        )
        assert.equal(x.canonical(), before)
      }),
      RUNS,
    )
  })

  it('does not depend on the order or repetition of entries', () => {
    fc.assert(
      fc.property(
        entriesArb.chain((es) =>
          fc.tuple(fc.constant(es), fc.shuffledSubarray([...es, ...es], { minLength: 2 * es.length })),
        ),
        ([es, shuffled]) => {
          assert.equal(build(es).canonical(), build(shuffled).canonical())
        },
      ),
      RUNS,
    )
  })
})

/** compareEntries as specified (canonical bytes compared outright), to check the fast path against. */
function referenceCompare(a: Entry, b: Entry): number {
  const byClock = compareHlc(a.hlc, b.hlc)
  if (byClock !== 0) return byClock
  if (a.origin !== b.origin) return a.origin < b.origin ? -1 : 1
  if ((a.value === null) !== (b.value === null)) return a.value === null ? 1 : -1
  const av = canonicalJson(a.value)
  const bv = canonicalJson(b.value)
  if (av !== bv) return av < bv ? -1 : 1
  if (a.sig === b.sig) return 0
  if (a.sig === undefined) return -1
  if (b.sig === undefined) return 1
  return a.sig < b.sig ? -1 : 1
}

/** A structural copy with every object's keys in reverse order. */
function reorderedCopy<T>(v: T): T {
  if (Array.isArray(v)) return v.map(reorderedCopy) as T
  if (v === null || typeof v !== 'object') return v
  return Object.fromEntries(
    Object.entries(v)
      .reverse()
      .map(([k, x]) => [k, reorderedCopy(x)]),
  ) as T
}

describe('the order on versions', () => {
  it('compareEntries agrees with the canonical-bytes order, for equal, reordered and different values', () => {
    const valueArb = fc.oneof(instanceValueArb(fc.constant('w')), fc.constant(null))
    fc.assert(
      fc.property(
        valueArb,
        valueArb,
        fc.constantFrom('same', 'reordered', 'other'),
        fc.constantFrom(undefined, 'QUJD', 'QUJE'),
        fc.constantFrom(undefined, 'QUJD', 'QUJE'),
        (v, other, how, sigA, sigB) => {
          const w = how === 'same' ? v : how === 'reordered' ? reorderedCopy(v) : other
          const at = { wall: T0, count: 1 }
          const a: Entry = {
            key: instanceKey(ORIGINS[0] as string, 'w'),
            origin: ORIGINS[0] as string,
            hlc: at,
            value: v,
          }
          const b: Entry = { ...a, value: w }
          const sa = sigA === undefined ? a : { ...a, sig: sigA }
          const sb = sigB === undefined ? b : { ...b, sig: sigB }
          assert.equal(Math.sign(compareEntries(sa, sb)), Math.sign(referenceCompare(sa, sb)))
          assert.equal(Math.sign(compareEntries(sb, sa)), Math.sign(referenceCompare(sb, sa)))
        },
      ),
      RUNS,
    )
  })
})

// ---- replicas converge ------------------------------------------------------------------------

describe('replicas converge', () => {
  // regression: (none found yet)
  const regressions: Array<[Scenario]> = []

  it('3–7 origins, random clocks, lossy duplicated reordered delivery, then anti-entropy: byte-identical, equal to the latest writes', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { replicas, latest, rounds } = runScenario(s)
        assert.ok(rounds <= ANTI_ENTROPY_ROUNDS)
        const expected = build([...latest.values()]).canonical()
        for (const r of replicas) {
          assert.equal(r.catalog.canonical(), expected, `replica ${r.origin} differs after ${rounds} rounds`)
        }
      }),
      { ...RUNS, examples: regressions },
    )
  })

  // regression: before Catalog remembered its GC horizon, a duplicate delivered after a GC, to a
  // replica whose clock had jumped back, re-applied a collected version (found by this property).
  const gcRegressions: Array<[Scenario]> = [
    [
      JSON.parse(
        '{"n":4,"offsets":[-3058,5468,0,0],"ops":[{"replica":0,"id":0,"remove":false,"port":0,"step":13687,"fates":[{"copies":0,"delay":0,"dupDelay":0},{"copies":0,"delay":0,"dupDelay":0},{"copies":0,"delay":0,"dupDelay":0}]},{"replica":1,"id":0,"remove":false,"port":0,"step":1000,"fates":[{"copies":2,"delay":0,"dupDelay":10},{"copies":0,"delay":0,"dupDelay":0},{"copies":0,"delay":0,"dupDelay":0}]},{"replica":0,"id":0,"remove":false,"port":0,"step":10840,"fates":[{"copies":0,"delay":0,"dupDelay":0},{"copies":0,"delay":0,"dupDelay":0},{"copies":0,"delay":0,"dupDelay":0}]},{"replica":0,"id":0,"remove":false,"port":0,"step":-1,"fates":[{"copies":0,"delay":0,"dupDelay":0},{"copies":0,"delay":0,"dupDelay":0},{"copies":0,"delay":0,"dupDelay":0}]},{"replica":1,"id":0,"remove":false,"port":0,"step":1,"fates":[{"copies":0,"delay":0,"dupDelay":0},{"copies":0,"delay":0,"dupDelay":0},{"copies":0,"delay":0,"dupDelay":0}]}],"swapRoles":[false,false,false,false,false,false,false,false,false,false,false,false,false,false,false,false,false,false,false,false,false]}',
      ),
    ],
  ]

  it('with garbage collection on a short horizon and clocks that jump back, no replica ever goes back on a key', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        runScenario(s, 15_000, false)
      }),
      { ...RUNS, examples: gcRegressions },
    )
  })
})

// ---- HLC ----------------------------------------------------------------------------------------

const readingArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -1_000, max: 30_000 }).map((d) => ({ delta: d })) },
  { weight: 1, arbitrary: fc.integer({ min: -100_000_000, max: 0 }).map((d) => ({ delta: d })) },
  { weight: 1, arbitrary: fc.double().map((abs) => ({ abs })) },
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -1).map((abs) => ({ abs })) },
)
const hlcActionArb = fc.oneof(
  fc.record({ type: fc.constant('tick' as const), reading: readingArb }),
  fc.record({
    type: fc.constant('observe' as const),
    reading: readingArb,
    remoteOffset: fc.integer({ min: -50_000, max: 50_000 }),
    remoteCount: fc.oneof(fc.integer({ min: 0, max: HLC_MAX_COUNT }), fc.constant(HLC_MAX_COUNT + 1)),
  }),
)

describe('hybrid logical clock', () => {
  it('is strictly monotonic and refuses drift, under any wall clock', () => {
    const maxDrift = 20_000
    fc.assert(
      fc.property(fc.array(hlcActionArb, { maxLength: 60 }), (actions) => {
        let t = T0
        const hc = new HybridClock(() => t, maxDrift)
        let last: Hlc = hc.peek()
        for (const a of actions) {
          t = 'delta' in a.reading ? t + a.reading.delta : a.reading.abs
          if (a.type === 'tick') {
            const next = hc.tick()
            assert.equal(compareHlc(next, last), 1)
            assert.ok(isValidHlc(next))
            last = next
            continue
          }
          const base = Number.isFinite(t) && Math.abs(t) <= Number.MAX_SAFE_INTEGER ? Math.floor(t) : 0
          const remote = { wall: Math.max(0, base + a.remoteOffset), count: a.remoteCount }
          const r = hc.observe(remote)
          if (r.ok) {
            assert.equal(compareHlc(r.value, last), 1)
            assert.equal(compareHlc(r.value, remote), 1)
            assert.ok(isValidHlc(r.value))
            assert.deepEqual(hc.peek(), r.value)
            last = r.value
          } else {
            const invalid = remote.count > HLC_MAX_COUNT || !Number.isSafeInteger(remote.wall)
            assert.equal(r.error.type, invalid ? 'invalid-timestamp' : 'clock-drift')
            if (!invalid) assert.ok(remote.wall > base + maxDrift)
            assert.deepEqual(hc.peek(), last, 'a refused timestamp leaves the clock alone')
          }
          // Non-finite readings are reset so later deltas keep meaning something.
          if (!Number.isFinite(t)) t = T0
        }
      }),
      RUNS,
    )
  })
})

// ---- wire ---------------------------------------------------------------------------------------

const ERROR_TYPES = new Set([
  'too-large',
  'not-json',
  'unsupported-version',
  'unknown-kind',
  'invalid',
  'not-owned',
])
const KINDS = new Set(['delta', 'entries', 'digest', 'end', 'heartbeat'])

/** decodeFrame must return a well-formed result; anything decoded must re-encode and decode again. */
function assertTotal(bytes: Uint8Array): void {
  let r: ReturnType<typeof decodeFrame>
  try {
    r = decodeFrame(bytes)
  } catch (e) {
    assert.fail(`decodeFrame threw: ${String(e)}`)
  }
  assert.equal(typeof r.ok, 'boolean')
  if (r.ok) {
    assert.ok(KINDS.has(r.value.kind))
    assert.deepEqual(decodeFrame(encodeFrame(r.value)), r)
  } else {
    assert.ok(ERROR_TYPES.has(r.error.type), r.error.type)
    assert.equal(typeof describeWireError(r.error), 'string')
  }
}

describe('wire format', () => {
  // regression: (none found yet)
  const frameRegressions: Array<[Frame]> = []

  it('every frame kind round-trips with arbitrary valid records', () => {
    fc.assert(
      fc.property(frameArb, (frame) => {
        const decoded = decodeFrame(encodeFrame(frame))
        assert.ok(decoded.ok, JSON.stringify(decoded))
        assert.deepEqual(decoded.value, frame)
      }),
      { ...RUNS, examples: frameRegressions },
    )
  })

  it('decoding random bytes never throws', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), assertTotal), RUNS)
  })

  it('decoding random text and random JSON never throws', () => {
    const envelope = fc.record(
      {
        v: fc.oneof(fc.constant(1), fc.jsonValue({ maxDepth: 1 })),
        kind: fc.oneof(fc.constantFrom(...KINDS), fc.string()),
        entries: fc.jsonValue({ maxDepth: 3 }),
        origins: fc.jsonValue({ maxDepth: 3 }),
        incarnation: fc.jsonValue({ maxDepth: 0 }),
        seq: fc.jsonValue({ maxDepth: 0 }),
      },
      { requiredKeys: ['v', 'kind'] },
    )
    const enc = new TextEncoder()
    // regression: describeWireError threw on a version or kind whose `toString` is not a function.
    const regressions: Array<[string]> = [
      ['{"v":{"toString":null},"kind":""}'],
      ['{"v":1,"kind":{"toString":1}}'],
    ]
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 256 }),
          fc.json({ maxDepth: 4 }),
          envelope.map((e) => JSON.stringify(e)),
        ),
        (text) => assertTotal(enc.encode(text)),
      ),
      { ...RUNS, examples: regressions },
    )
  })

  it('decoding mutated valid frames never throws (byte edits)', () => {
    fc.assert(
      fc.property(frameArb, fc.array(mutationArb, { minLength: 1, maxLength: 4 }), (frame, ms) =>
        assertTotal(mutate(encodeFrame(frame), ms)),
      ),
      RUNS,
    )
  })

  it('decoding mutated valid frames never throws (a value replaced anywhere in the document)', () => {
    const enc = new TextEncoder()
    const dec = new TextDecoder()
    fc.assert(
      fc.property(frameArb, fc.nat(), fc.jsonValue({ maxDepth: 2 }), (frame, index, replacement) => {
        const doc = JSON.parse(dec.decode(encodeFrame(frame)))
        assertTotal(enc.encode(JSON.stringify(replaceAt(doc, index, replacement))))
      }),
      RUNS,
    )
  })
})
