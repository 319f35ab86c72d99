import { canonicalJson } from './canonical.ts'
import { compareEntries, type Entry, entryToWire } from './entry.ts'
import { HASH_ZERO, type Hash64, hashString, hashToHex, xorHash } from './hash.ts'
import { compareHlc, HLC_ZERO, type Hlc } from './hlc.ts'
import { isOwnedKey } from './keys.ts'

/**
 * The replicated catalog: a map from key to the newest entry seen for it, merged by
 * last-writer-wins on (hlc, origin). Pure: time comes in through `MergeOptions.now`.
 *
 * Expiry horizon: an entry whose HLC wall time is older than `now - horizonMs` is dead. It is
 * refused on arrival and removed by `gc`. Tombstones therefore live exactly `horizonMs`, and a
 * late live version older than the horizon can never resurrect a deleted record, because it is
 * refused too. Owners re-stamp their live records well inside the horizon (see docs/crdt.md),
 * so only the records of a node gone longer than the horizon age out.
 */

export interface MergeOptions {
  /** Milliseconds since the epoch, from the caller's clock. */
  readonly now: number
  /** Entries older than this are expired. `Infinity` disables expiry. */
  readonly horizonMs: number
  /** Entries stamped further than this into the future are refused. */
  readonly maxDriftMs: number
}

export type MergeOutcome = 'applied' | 'duplicate' | 'stale' | 'expired' | 'future' | 'not-owned'

/** Per origin: the newest version held, how many keys, and an order-independent checksum. */
export interface OriginDigest {
  readonly max: Hlc
  readonly count: number
  readonly sum: string
}

export type Digest = ReadonlyMap<string, OriginDigest>

interface OriginState {
  readonly keys: Set<string>
  max: Hlc
  hash: Hash64
}

export interface AppliedChange {
  readonly previous: Entry | undefined
  readonly current: Entry
}

function entryHash(entry: Entry): Hash64 {
  return hashString(`${entry.key}|${entry.hlc.wall}.${entry.hlc.count}|${entry.value === null ? 't' : 'l'}`)
}

export function isExpired(entry: Entry, now: number, horizonMs: number): boolean {
  return entry.hlc.wall < now - horizonMs
}

export class Catalog {
  private readonly entries = new Map<string, Entry>()
  private readonly origins = new Map<string, OriginState>()
  /**
   * The oldest wall time still accepted, as of the latest `gc`: everything older was collected,
   * so it stays refused even if the caller's clock later jumps back (no resurrection).
   */
  private gcFloor = Number.NEGATIVE_INFINITY

  get size(): number {
    return this.entries.size
  }

  get(key: string): Entry | undefined {
    return this.entries.get(key)
  }

  values(): IterableIterator<Entry> {
    return this.entries.values()
  }

  /** Entries owned by `origin`, in no particular order. */
  *originEntries(origin: string): Generator<Entry> {
    const state = this.origins.get(origin)
    if (state === undefined) return
    for (const key of state.keys) {
      const entry = this.entries.get(key)
      if (entry !== undefined) yield entry
    }
  }

  originIds(): IterableIterator<string> {
    return this.origins.keys()
  }

  /** Classify `entry` against what we hold, without changing anything. */
  check(entry: Entry, opts: MergeOptions): MergeOutcome {
    if (!isOwnedKey(entry.key, entry.origin, entry.value)) return 'not-owned'
    if (entry.hlc.wall > opts.now + opts.maxDriftMs) return 'future'
    if (isExpired(entry, opts.now, opts.horizonMs) || entry.hlc.wall < this.gcFloor) return 'expired'
    const held = this.entries.get(entry.key)
    if (held === undefined) return 'applied'
    const order = compareEntries(entry, held)
    if (order === 0) return 'duplicate'
    return order > 0 ? 'applied' : 'stale'
  }

  /** Merge one entry (LWW join). Returns what happened and, when applied, the change. */
  merge(entry: Entry, opts: MergeOptions): { outcome: MergeOutcome; change?: AppliedChange } {
    const outcome = this.check(entry, opts)
    if (outcome !== 'applied') return { outcome }
    const previous = this.entries.get(entry.key)
    this.put(entry, previous)
    return { outcome, change: { previous, current: entry } }
  }

  /** Merge many; returns the changes applied, in input order. */
  mergeAll(entries: Iterable<Entry>, opts: MergeOptions): AppliedChange[] {
    const changes: AppliedChange[] = []
    for (const entry of entries) {
      const { change } = this.merge(entry, opts)
      if (change !== undefined) changes.push(change)
    }
    return changes
  }

  private put(entry: Entry, previous: Entry | undefined): void {
    this.entries.set(entry.key, entry)
    let state = this.origins.get(entry.origin)
    if (state === undefined) {
      state = { keys: new Set(), max: HLC_ZERO, hash: HASH_ZERO }
      this.origins.set(entry.origin, state)
    }
    if (previous !== undefined) state.hash = xorHash(state.hash, entryHash(previous))
    state.keys.add(entry.key)
    state.hash = xorHash(state.hash, entryHash(entry))
    if (compareHlc(entry.hlc, state.max) > 0) state.max = entry.hlc
  }

  /** Remove every entry (live or tombstone) older than the horizon. Returns what was removed. */
  gc(now: number, horizonMs: number): Entry[] {
    const removed: Entry[] = []
    if (now - horizonMs > this.gcFloor) this.gcFloor = now - horizonMs
    for (const [origin, state] of this.origins) {
      let touched = false
      for (const key of state.keys) {
        const entry = this.entries.get(key)
        if (entry === undefined || !isExpired(entry, now, horizonMs)) continue
        this.entries.delete(key)
        state.keys.delete(key)
        state.hash = xorHash(state.hash, entryHash(entry))
        removed.push(entry)
        touched = true
      }
      if (!touched) continue
      if (state.keys.size === 0) {
        this.origins.delete(origin)
        continue
      }
      let max = HLC_ZERO
      for (const key of state.keys) {
        const e = this.entries.get(key)
        if (e !== undefined && compareHlc(e.hlc, max) > 0) max = e.hlc
      }
      state.max = max
    }
    return removed
  }

  /** O(origins): what a peer needs to tell us which entries it lacks. */
  digest(): Digest {
    const out = new Map<string, OriginDigest>()
    for (const [origin, state] of this.origins) {
      out.set(origin, { max: state.max, count: state.keys.size, sum: hashToHex(state.hash) })
    }
    return out
  }

  /**
   * The entries a peer whose digest is `remote` should receive from us. Per origin:
   * - unknown to the peer: all of that origin's entries;
   * - equal count and checksum: nothing;
   * - the peer is behind (its newest version is older than ours): the entries newer than its
   *   newest version. If it holds fewer keys than we hold at or below that version, it certainly
   *   missed one (a gap): all of them. A gap the count cannot show (the peer also holds older
   *   versions of keys rewritten since) surfaces on the next exchange as the case below;
   * - the same newest version but different checksums: all of them (replicas diverged);
   * - the peer is ahead: nothing from this side; in a two-way sync its own answer covers it.
   * Cost: O(origins) to compare, O(entries of differing origins) to scan, and to transfer the
   * changes (all of an origin's entries only when a gap or a divergence is seen).
   */
  entriesNewerThan(remote: Digest): Entry[] {
    const out: Entry[] = []
    for (const [origin, state] of this.origins) {
      const theirs = remote.get(origin)
      if (theirs === undefined) {
        out.push(...this.originEntries(origin))
        continue
      }
      if (theirs.count === state.keys.size && theirs.sum === hashToHex(state.hash)) continue
      const order = compareHlc(theirs.max, state.max)
      if (order > 0) continue
      if (order === 0) {
        out.push(...this.originEntries(origin))
        continue
      }
      const newer: Entry[] = []
      let atOrBelow = 0
      for (const entry of this.originEntries(origin)) {
        if (compareHlc(entry.hlc, theirs.max) > 0) newer.push(entry)
        else atOrBelow++
      }
      if (theirs.count < atOrBelow) out.push(...this.originEntries(origin))
      else out.push(...newer)
    }
    return out
  }

  /** The whole catalog as canonical bytes (sorted by key): equal catalogs give equal strings. */
  canonical(): string {
    const keys = [...this.entries.keys()].sort()
    return keys.map((k) => canonicalJson(entryToWire(this.entries.get(k) as Entry))).join('\n')
  }
}
