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
import { type AppliedChange, Catalog, type MergeOptions } from '../../crdt/catalog.ts'
import { compareEntries, type Entry } from '../../crdt/entry.ts'
import { compareHlc, HLC_MAX_COUNT, type Hlc, HybridClock, isValidHlc } from '../../crdt/hlc.ts'
import { instanceKey, nodeKey } from '../../crdt/keys.ts'
import { decodeFrame, describeWireError, encodeFrame, type Frame } from '../../crdt/wire.ts'
import { FakeClock } from '../helpers/fake-clock.ts'
import { frameArb, instanceValueArb } from './arbitraries.ts'
import { digestsEqual, exchange, FOREVER, instanceValue, nodeValue, peerId, T0 } from './fixtures.ts'

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

const MAX_OPS = 40
const clockStepArb = fc.oneof(
  fc.constant(0), // stall
  fc.integer({ min: 1, max: 30 }), // ordinary progress
  fc.integer({ min: -5_000, max: -1 }), // jump back
  fc.integer({ min: 1_000, max: 20_000 }), // leap forward
)
interface Op {
  replica: number
  id: number
  remove: boolean
  port: number
  step: number
  /** What happens to this write on its way to each other replica, in replica order. */
  fates: Fate[]
}
interface Fate {
  copies: number
  delay: number
  dupDelay: number
}
interface Scenario {
  n: number
  offsets: number[]
  ops: Op[]
  swapRoles: boolean[]
}
/** For each (write, receiver): lost (0 copies), delivered, or duplicated; each copy after a delay. */
const fateArb: fc.Arbitrary<Fate> = fc.record({
  copies: fc.constantFrom(0, 1, 1, 1, 2),
  delay: fc.nat(12),
  dupDelay: fc.nat(12),
})
const opArb = (n: number): fc.Arbitrary<Op> =>
  fc.record({
    replica: fc.nat(n - 1),
    id: fc.nat(3),
    remove: fc.boolean(),
    port: fc.nat(3),
    step: clockStepArb,
    fates: fc.array(fateArb, { minLength: n - 1, maxLength: n - 1 }),
  })

const scenarioArb: fc.Arbitrary<Scenario> = fc.integer({ min: 3, max: 7 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    offsets: fc.array(fc.integer({ min: -10_000, max: 10_000 }), { minLength: n, maxLength: n }),
    ops: fc.array(opArb(n), { minLength: 1, maxLength: MAX_OPS, size: 'max' }),
    swapRoles: fc.array(fc.boolean(), { minLength: 21, maxLength: 21 }),
  }),
)

/** Send a frame through the wire format, as the agent does: encode, then decode (which must succeed). */
function overWire<F extends Frame>(frame: F): F {
  const decoded = decodeFrame(encodeFrame(frame))
  if (!decoded.ok) assert.fail(`a valid frame failed to decode: ${describeWireError(decoded.error)}`)
  return decoded.value as F
}

/** The two-way exchange of fixtures.ts, with every message passing through the wire format. */
function exchangeOverWire(a: Catalog, b: Catalog, opts: MergeOptions): void {
  const digestA = overWire({ v: 1, kind: 'digest', digest: a.digest() }).digest
  const forA = overWire({ v: 1, kind: 'entries', entries: b.entriesNewerThan(digestA) }).entries
  const digestB = overWire({ v: 1, kind: 'digest', digest: b.digest() }).digest
  a.mergeAll(forA, opts)
  b.mergeAll(overWire({ v: 1, kind: 'entries', entries: a.entriesNewerThan(digestB) }).entries, opts)
}

interface Replica {
  readonly origin: string
  readonly clock: FakeClock
  readonly hlc: HybridClock
  readonly catalog: Catalog
}

const ANTI_ENTROPY_ROUNDS = 8

/**
 * Run a scenario: writes, lossy delivery, then anti-entropy, every message through the wire format
 * unless `wire` is false. Returns the replicas and the expected state. With a finite `horizonMs` every replica also collects garbage after every write, and
 * every applied change is checked to be newer than anything that replica ever held for that key
 * (so a collected delete can never be undone by a late, older version).
 */
function runScenario(s: Scenario, horizonMs = Number.POSITIVE_INFINITY, wire = true) {
  const replicas: Replica[] = []
  for (let i = 0; i < s.n; i++) {
    const clock = new FakeClock(T0 + (s.offsets[i] as number))
    replicas.push({
      origin: peerId(i),
      clock,
      hlc: new HybridClock(clock.now, 3_600_000),
      catalog: new Catalog(),
    })
  }
  const optsFor = (r: Replica): MergeOptions => ({
    now: r.clock.now(),
    horizonMs,
    maxDriftMs: Number.POSITIVE_INFINITY,
  })
  const everHeld = replicas.map(() => new Map<string, Hlc>())
  const applied = (i: number, change: AppliedChange | undefined) => {
    if (change === undefined) return
    const seen = everHeld[i] as Map<string, Hlc>
    const before = seen.get(change.current.key)
    if (before !== undefined && compareHlc(change.current.hlc, before) <= 0) {
      assert.fail(
        `replica ${i} went back on ${change.current.key}: held ${JSON.stringify(before)}, now ${JSON.stringify(change.current.hlc)}`,
      )
    }
    seen.set(change.current.key, change.current.hlc)
  }
  const latest = new Map<string, Entry>()
  const pending: Array<{ at: number; seq: number; to: number; entry: Entry }> = []
  let seq = 0
  const deliver = (upTo: number) => {
    pending.sort((a, b) => a.at - b.at || a.seq - b.seq)
    while (pending.length > 0 && (pending[0]?.at as number) <= upTo) {
      const msg = pending.shift() as (typeof pending)[number]
      const target = replicas[msg.to] as Replica
      target.hlc.observe(msg.entry.hlc)
      const [entry] = wire ? overWire({ v: 1, kind: 'delta', entries: [msg.entry] }).entries : [msg.entry]
      applied(msg.to, target.catalog.merge(entry as Entry, optsFor(target)).change)
    }
  }
  s.ops.forEach((op, k) => {
    deliver(k)
    const r = replicas[op.replica] as Replica
    r.clock.advance(op.step)
    const id = `i${op.id}`
    const entry: Entry = {
      key: instanceKey(r.origin, id),
      origin: r.origin,
      hlc: r.hlc.tick(),
      value: op.remove ? null : instanceValue(id, { port: op.port, node: `host${op.replica}` }),
    }
    const local = r.catalog.merge(entry, optsFor(r))
    assert.equal(local.outcome, 'applied', 'a local write always applies')
    applied(op.replica, local.change)
    if (Number.isFinite(horizonMs)) for (const x of replicas) x.catalog.gc(x.clock.now(), horizonMs)
    latest.set(entry.key, entry)
    let receiver = 0
    for (let to = 0; to < s.n; to++) {
      if (to === op.replica) continue
      const fate = op.fates[receiver++] as Fate
      for (let c = 0; c < fate.copies; c++) {
        pending.push({ at: k + fate.delay + c * fate.dupDelay, seq: seq++, to, entry })
      }
    }
  })
  deliver(Number.POSITIVE_INFINITY)

  const now = Math.max(...replicas.map((r) => r.clock.now()))
  const aeOpts: MergeOptions = {
    now,
    horizonMs: Number.POSITIVE_INFINITY,
    maxDriftMs: Number.POSITIVE_INFINITY,
  }
  let rounds = 0
  const converged = () => replicas.every((r) => digestsEqual(r.catalog, (replicas[0] as Replica).catalog))
  while (!converged() && rounds < ANTI_ENTROPY_ROUNDS) {
    rounds++
    let pair = 0
    for (let i = 0; i < s.n; i++) {
      for (let j = i + 1; j < s.n; j++) {
        const [a, b] = s.swapRoles[pair++ % s.swapRoles.length] ? [j, i] : [i, j]
        const [x, y] = [(replicas[a] as Replica).catalog, (replicas[b] as Replica).catalog]
        if (wire) exchangeOverWire(x, y, aeOpts)
        else exchange(x, y, aeOpts)
      }
    }
  }
  return { replicas, latest, rounds }
}

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
      {
        n: 4,
        offsets: [-3058, 5468, 0, 0],
        ops: [
          {
            replica: 0,
            id: 0,
            remove: false,
            port: 0,
            step: 13687,
            fates: [
              { copies: 0, delay: 0, dupDelay: 0 },
              { copies: 0, delay: 0, dupDelay: 0 },
              { copies: 0, delay: 0, dupDelay: 0 },
            ],
          },
          {
            replica: 1,
            id: 0,
            remove: false,
            port: 0,
            step: 1000,
            fates: [
              { copies: 2, delay: 0, dupDelay: 10 },
              { copies: 0, delay: 0, dupDelay: 0 },
              { copies: 0, delay: 0, dupDelay: 0 },
            ],
          },
          {
            replica: 0,
            id: 0,
            remove: false,
            port: 0,
            step: 10840,
            fates: [
              { copies: 0, delay: 0, dupDelay: 0 },
              { copies: 0, delay: 0, dupDelay: 0 },
              { copies: 0, delay: 0, dupDelay: 0 },
            ],
          },
          {
            replica: 0,
            id: 0,
            remove: false,
            port: 0,
            step: -1,
            fates: [
              { copies: 0, delay: 0, dupDelay: 0 },
              { copies: 0, delay: 0, dupDelay: 0 },
              { copies: 0, delay: 0, dupDelay: 0 },
            ],
          },
          {
            replica: 1,
            id: 0,
            remove: false,
            port: 0,
            step: 1,
            fates: [
              { copies: 0, delay: 0, dupDelay: 0 },
              { copies: 0, delay: 0, dupDelay: 0 },
              { copies: 0, delay: 0, dupDelay: 0 },
            ],
          },
        ],
        swapRoles: [
          false,
          false,
          false,
          false,
          false,
          false,
          false,
          false,
          false,
          false,
          false,
          false,
          false,
          false,
          false,
          false,
          false,
          false,
          false,
          false,
          false,
        ],
      },
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

interface Mutation {
  op: 'flip' | 'set' | 'delete' | 'insert' | 'truncate' | 'duplicate'
  pos: number
  len: number
  byte: number
}
const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom('flip', 'set', 'delete', 'insert', 'truncate', 'duplicate'),
  pos: fc.nat(),
  len: fc.integer({ min: 1, max: 16 }),
  byte: fc.integer({ min: 0, max: 255 }),
})

function mutate(bytes: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let b = Array.from(bytes)
  for (const m of mutations) {
    const p = b.length === 0 ? 0 : m.pos % b.length
    if (m.op === 'flip' && b.length > 0) b[p] = (b[p] as number) ^ (1 << (m.byte % 8))
    else if (m.op === 'set' && b.length > 0) b[p] = m.byte
    else if (m.op === 'delete') b.splice(p, m.len)
    else if (m.op === 'insert') b.splice(p, 0, ...new Array(m.len).fill(m.byte))
    else if (m.op === 'truncate') b = b.slice(0, p)
    else if (m.op === 'duplicate') b.splice(p, 0, ...b.slice(p, p + m.len))
  }
  return Uint8Array.from(b)
}

/** Replace the value at one path of a JSON document (chosen by index among all paths) with `replacement`. */
function replaceAt(doc: unknown, index: number, replacement: unknown): unknown {
  const paths: Array<Array<string | number>> = []
  const walk = (v: unknown, path: Array<string | number>) => {
    paths.push(path)
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) walk(v[i], [...path, i])
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) walk(x, [...path, k])
    }
  }
  walk(doc, [])
  const path = paths[index % paths.length] as Array<string | number>
  if (path.length === 0) return replacement
  let parent = doc as Record<string | number, unknown>
  for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, unknown>
  parent[path[path.length - 1] as string | number] = replacement
  return doc
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
