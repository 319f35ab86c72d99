import { canonicalJson } from './canonical.ts'
import { compareHlc, type Hlc } from './hlc.ts'
import type { RecordValue } from './schema.ts'

/**
 * One versioned record in the catalog: the unit of merge, gossip and sync. `value: null` is a
 * tombstone. `sig` is the origin's signature over `signingBytes(entry)` (see signing.ts).
 */
export interface Entry {
  readonly key: string
  readonly origin: string
  readonly hlc: Hlc
  readonly value: RecordValue | null
  readonly sig?: string
}

export function isTombstone(entry: Entry): boolean {
  return entry.value === null
}

/**
 * The total order on versions of one key that makes merge a join: newer HLC wins; on an equal
 * HLC the origin, then a tombstone over a live value, then the canonical bytes decide. Honest
 * origins never issue two values with one HLC, but a deterministic tie-break means replicas
 * agree even if one does.
 */
export function compareEntries(a: Entry, b: Entry): number {
  const byClock = compareHlc(a.hlc, b.hlc)
  if (byClock !== 0) return byClock
  if (a.origin !== b.origin) return a.origin < b.origin ? -1 : 1
  const aTomb = a.value === null
  const bTomb = b.value === null
  if (aTomb !== bTomb) return aTomb ? 1 : -1
  // Usually a duplicate: a structural check is much cheaper than building canonical bytes.
  if (!sameJson(a.value, b.value)) {
    const av = canonicalJson(a.value)
    const bv = canonicalJson(b.value)
    if (av !== bv) return av < bv ? -1 : 1
  }
  if (a.sig === b.sig) return 0
  // An unsigned version orders before any signed one (so `undefined` and `''` never tie).
  if (a.sig === undefined) return -1
  if (b.sig === undefined) return 1
  return a.sig < b.sig ? -1 : 1
}

/**
 * True only if `a` and `b` have equal canonical JSON (plain JSON values; `undefined` properties
 * are absent, as in `canonicalJson`). May answer false for some equal values (e.g. NaN), which
 * only costs the slow path above.
 */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) {
      const x = a[i]
      const y = b[i]
      // canonicalJson writes `undefined` in an array as null.
      if (!sameJson(x === undefined ? null : x, y === undefined ? null : y)) return false
    }
    return true
  }
  if (Array.isArray(b)) return false
  const ao = a as Record<string, unknown>
  const bo = b as Record<string, unknown>
  let defined = 0
  for (const k in ao) {
    if (!Object.hasOwn(ao, k) || ao[k] === undefined) continue
    if (!Object.hasOwn(bo, k) || !sameJson(ao[k], bo[k])) return false
    defined++
  }
  for (const k in bo) if (Object.hasOwn(bo, k) && bo[k] !== undefined) defined--
  return defined === 0
}

/** The JSON form of an entry on the wire and on disk: the clock as a `[wall, count]` pair. */
export interface EntryWire {
  key: string
  origin: string
  hlc: [number, number]
  value: RecordValue | null
  sig?: string
}

export function entryToWire(entry: Entry): EntryWire {
  const wire: EntryWire = {
    key: entry.key,
    origin: entry.origin,
    hlc: [entry.hlc.wall, entry.hlc.count],
    value: entry.value,
  }
  if (entry.sig !== undefined) wire.sig = entry.sig
  return wire
}

export function entryFromWire(wire: EntryWire): Entry {
  const base = {
    key: wire.key,
    origin: wire.origin,
    hlc: { wall: wire.hlc[0], count: wire.hlc[1] },
    value: wire.value,
  }
  return wire.sig === undefined ? base : { ...base, sig: wire.sig }
}
