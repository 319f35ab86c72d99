import { EventEmitter } from 'node:events'
import {
  type AppliedChange,
  Catalog,
  type Digest,
  type MergeOptions,
  type MergeOutcome,
} from '../../crdt/catalog.ts'
import type { Entry } from '../../crdt/entry.ts'
import { type Hlc, HybridClock } from '../../crdt/hlc.ts'
import type { RecordValue } from '../../crdt/schema.ts'
import { type SignFn, signEntry, type VerifyFn, verifyEntry } from '../../crdt/signing.ts'

/**
 * The one holder of CRDT state in the agent (DESIGN.md data flow). Local writes get a new HLC
 * and the origin's signature; remote entries are verified against their origin's key before
 * they are merged. Emits `change` for every applied change, local or remote.
 */
export interface CatalogStoreComponents {
  readonly now: () => number
  readonly sign: SignFn
  readonly verify: VerifyFn
}

export interface CatalogStoreInit {
  /** This agent's peer id (string form). */
  readonly origin: string
  /** Entries older than this are expired and collected (must exceed any partition we heal). */
  readonly horizonMs: number
  /** Remote records stamped further ahead than this are refused. */
  readonly maxDriftMs: number
  /** The clock as persisted at the last stop, so a restart never issues an older version. */
  readonly startHlc?: Hlc
}

export interface CatalogChangeEvent {
  readonly changes: readonly AppliedChange[]
  /** True when written by this agent. */
  readonly local: boolean
  /** The peer that handed us remote entries (gossip neighbour or sync partner), if any. */
  readonly from?: string
}

export type RemoteRejection = Exclude<MergeOutcome, 'applied' | 'duplicate' | 'stale'> | 'bad-signature'

export interface RemoteMergeResult {
  readonly applied: readonly AppliedChange[]
  /** Entries refused, with why (a forged or broken record is never merged). */
  readonly rejected: ReadonlyArray<{ readonly entry: Entry; readonly reason: RemoteRejection }>
  readonly duplicates: number
  readonly stale: number
}

export interface CatalogStoreEvents {
  change: [CatalogChangeEvent]
}

export class CatalogStore extends EventEmitter<CatalogStoreEvents> {
  readonly origin: string
  private readonly catalog = new Catalog()
  private readonly clock: HybridClock
  private readonly components: CatalogStoreComponents
  private readonly init: CatalogStoreInit

  constructor(components: CatalogStoreComponents, init: CatalogStoreInit) {
    super()
    this.components = components
    this.init = init
    this.origin = init.origin
    this.clock = new HybridClock(components.now, init.maxDriftMs, init.startHlc)
  }

  private mergeOptions(): MergeOptions {
    return { now: this.components.now(), horizonMs: this.init.horizonMs, maxDriftMs: this.init.maxDriftMs }
  }

  get size(): number {
    return this.catalog.size
  }

  get(key: string): Entry | undefined {
    return this.catalog.get(key)
  }

  entries(): IterableIterator<Entry> {
    return this.catalog.values()
  }

  clockNow(): Hlc {
    return this.clock.peek()
  }

  /** Write (or with `null`, delete) a record this agent owns. Returns the signed entry. */
  writeLocal(key: string, value: RecordValue | null): Entry {
    const unsigned: Entry = { key, origin: this.origin, hlc: this.clock.tick(), value }
    const entry = signEntry(unsigned, this.components.sign)
    // Our own clock is never "too far ahead" of itself: after a restart with the wall clock
    // stepped back, versions continue from the persisted HLC (so they still win in the fleet)
    // and this agent keeps answering with its own records. Peers refuse them until the clock
    // catches up, which the agent logs at start.
    const { change } = this.catalog.merge(entry, {
      ...this.mergeOptions(),
      maxDriftMs: Number.POSITIVE_INFINITY,
    })
    if (change !== undefined) this.emit('change', { changes: [change], local: true })
    return entry
  }

  /**
   * Verify and merge entries from a peer. Entries that claim this agent as origin are ignored
   * unless newer (a restarted agent learns its own last versions back from the fleet).
   */
  mergeRemote(entries: Iterable<Entry>, from?: string): RemoteMergeResult {
    const opts = this.mergeOptions()
    const applied: AppliedChange[] = []
    const rejected: Array<{ entry: Entry; reason: RemoteRejection }> = []
    let duplicates = 0
    let stale = 0
    for (const entry of entries) {
      const outcome = this.catalog.check(entry, opts)
      if (outcome === 'duplicate') {
        duplicates++
        continue
      }
      if (outcome === 'stale') {
        stale++
        continue
      }
      if (outcome !== 'applied') {
        rejected.push({ entry, reason: outcome })
        continue
      }
      if (!verifyEntry(entry, this.components.verify)) {
        rejected.push({ entry, reason: 'bad-signature' })
        continue
      }
      this.clock.observe(entry.hlc)
      const { change } = this.catalog.merge(entry, opts)
      if (change !== undefined) applied.push(change)
    }
    if (applied.length > 0) {
      const event: CatalogChangeEvent =
        from === undefined ? { changes: applied, local: false } : { changes: applied, local: false, from }
      this.emit('change', event)
    }
    return { applied, rejected, duplicates, stale }
  }

  digest(): Digest {
    return this.catalog.digest()
  }

  entriesNewerThan(remote: Digest): Entry[] {
    return this.catalog.entriesNewerThan(remote)
  }

  /** Collect expired entries; returns them (callers may log or count). */
  gc(): Entry[] {
    return this.catalog.gc(this.components.now(), this.init.horizonMs)
  }

  canonical(): string {
    return this.catalog.canonical()
  }
}
