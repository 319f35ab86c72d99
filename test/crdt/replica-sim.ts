/**
 * A simulated fleet for the convergence properties: 3–7 replicas, each the only writer of its own
 * keys, each with its own HybridClock on a fake wall clock that stalls, leaps and jumps back;
 * every write is lost, delivered or duplicated to each other replica after a random delay; then
 * anti-entropy (the two-way exchange) between all pairs, in rounds, until every digest agrees.
 */
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { type AppliedChange, Catalog, type MergeOptions } from '../../crdt/catalog.ts'
import type { Entry } from '../../crdt/entry.ts'
import { compareHlc, type Hlc, HybridClock } from '../../crdt/hlc.ts'
import { instanceKey } from '../../crdt/keys.ts'
import { decodeFrame, describeWireError, encodeFrame, type Frame } from '../../crdt/wire.ts'
import { FakeClock } from '../helpers/fake-clock.ts'
import { digestsEqual, exchange, instanceValue, peerId, T0 } from './fixtures.ts'

const MAX_OPS = 40
const clockStepArb = fc.oneof(
  fc.constant(0), // stall
  fc.integer({ min: 1, max: 30 }), // ordinary progress
  fc.integer({ min: -5_000, max: -1 }), // jump back
  fc.integer({ min: 1_000, max: 20_000 }), // leap forward
)
export interface Op {
  replica: number
  id: number
  remove: boolean
  port: number
  step: number
  /** What happens to this write on its way to each other replica, in replica order. */
  fates: Fate[]
}
export interface Fate {
  copies: number
  delay: number
  dupDelay: number
}
export interface Scenario {
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

export const scenarioArb: fc.Arbitrary<Scenario> = fc.integer({ min: 3, max: 7 }).chain((n) =>
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

export const ANTI_ENTROPY_ROUNDS = 8

/**
 * Run a scenario: writes, lossy delivery, then anti-entropy, every message through the wire format
 * unless `wire` is false. Returns the replicas and the expected state. With a finite `horizonMs` every replica also collects garbage after every write, and
 * every applied change is checked to be newer than anything that replica ever held for that key
 * (so a collected delete can never be undone by a late, older version).
 */
export function runScenario(s: Scenario, horizonMs = Number.POSITIVE_INFINITY, wire = true) {
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
