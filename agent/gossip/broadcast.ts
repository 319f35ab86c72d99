import type { Logger } from 'pino'
import { type Entry, entryToWire } from '../../crdt/entry.ts'
import { encodeFrame } from '../../crdt/wire.ts'
import type { CatalogChangeEvent, CatalogStore } from '../catalog/store.ts'
import type { Pubsub } from './gossipsub.ts'
import type { GossipMetrics } from './metrics.ts'
import type { Timers } from './timers.ts'
import { CATALOG_TOPIC } from './topics.ts'

/**
 * Publishes this agent's own catalog changes as delta frames. A burst of local writes (a service
 * file with twenty instances, a check flapping) is batched into one delta after a short debounce;
 * a key written twice inside the window is published once, at its newest version. Only applied
 * changes reach here (the store emits nothing for a write that changed nothing), so there are no
 * no-op re-publishes.
 */

export interface BroadcasterComponents {
  readonly store: CatalogStore
  readonly pubsub: Pubsub
  readonly logger: Logger
  readonly metrics: GossipMetrics
  readonly timers: Timers
}

export interface BroadcasterInit {
  /** Batch local changes for this long before publishing (ms). Default 5. */
  readonly debounceMs?: number
  /** Split deltas larger than this (bytes of JSON). Default 256 KiB. */
  readonly maxFrameBytes?: number
}

export const DEFAULT_DEBOUNCE_MS = 5
export const DEFAULT_MAX_FRAME_BYTES = 256 * 1024
const RETRY_BASE_MS = 250
const RETRIES = 8

/** Split entries into groups whose encoded frames stay under `maxBytes` (an oversized entry goes alone). */
export function batchEntries(entries: readonly Entry[], maxBytes: number): Entry[][] {
  const batches: Entry[][] = []
  let current: Entry[] = []
  let size = 40
  for (const entry of entries) {
    const cost = JSON.stringify(entryToWire(entry)).length + 1
    if (current.length > 0 && size + cost > maxBytes) {
      batches.push(current)
      current = []
      size = 40
    }
    current.push(entry)
    size += cost
  }
  if (current.length > 0) batches.push(current)
  return batches
}

export class Broadcaster {
  private readonly components: BroadcasterComponents
  private readonly debounceMs: number
  private readonly maxFrameBytes: number
  private readonly pending = new Map<string, Entry>()
  private timer: unknown
  /** The pending timer is a retry's backoff, not the debounce. */
  private timerIsRetry = false
  private running = false
  private inflight: Promise<void> = Promise.resolve()
  /** Consecutive publishes that reached nobody (no subscribed peer yet). */
  private misses = 0
  private readonly onChange = (event: CatalogChangeEvent): void => {
    if (!event.local || !this.running) return
    for (const change of event.changes) this.pending.set(change.current.key, change.current)
    // A fresh change waits for the debounce only, never for a retry's backoff (up to 32 s):
    // the retried entries go along with it.
    if (this.timer !== undefined && this.timerIsRetry) {
      this.components.timers.clearTimeout(this.timer)
      this.timer = undefined
    }
    if (this.timer === undefined) {
      this.timerIsRetry = false
      this.timer = this.components.timers.setTimeout(() => {
        this.timer = undefined
        void this.flush()
      }, this.debounceMs)
    }
  }

  constructor(components: BroadcasterComponents, init: BroadcasterInit = {}) {
    this.components = components
    this.debounceMs = init.debounceMs ?? DEFAULT_DEBOUNCE_MS
    this.maxFrameBytes = init.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES
  }

  start(): Promise<void> {
    if (this.running) return Promise.resolve()
    this.running = true
    this.components.store.on('change', this.onChange)
    return Promise.resolve()
  }

  /** Publish what is pending now (graceful leave calls this), then stop listening. */
  async stop(): Promise<void> {
    if (!this.running) return
    await this.flush()
    this.running = false
    this.components.store.off('change', this.onChange)
  }

  /** Publish every pending change now. Resolves when the publish calls have returned. */
  flush(): Promise<void> {
    if (this.timer !== undefined) {
      this.components.timers.clearTimeout(this.timer)
      this.timer = undefined
    }
    const entries = [...this.pending.values()]
    this.pending.clear()
    if (entries.length === 0) return this.inflight
    const previous = this.inflight
    this.inflight = previous.then(() => this.publish(entries))
    return this.inflight
  }

  /**
   * A delta that reached no peer (published before any subscriber was connected, typically this
   * node's own record at start) is tried again with backoff (250 ms doubling, 8 tries). Sync would
   * repair it too, but only at the next round with each peer; this keeps start-up fast.
   */
  private retryLater(batch: readonly Entry[]): void {
    if (!this.running || this.misses >= RETRIES) return
    const delay = RETRY_BASE_MS * 2 ** this.misses
    this.misses++
    for (const entry of batch) {
      // Only what is still current: a newer version is pending or published already.
      const held = this.components.store.get(entry.key)
      const current =
        held !== undefined && held.hlc.wall === entry.hlc.wall && held.hlc.count === entry.hlc.count
      if (current && !this.pending.has(entry.key)) this.pending.set(entry.key, entry)
    }
    if (this.timer !== undefined) return
    this.timerIsRetry = true
    this.timer = this.components.timers.setTimeout(() => {
      this.timer = undefined
      void this.flush()
    }, delay)
  }

  private async publish(entries: readonly Entry[]): Promise<void> {
    const { pubsub, logger, metrics } = this.components
    for (const batch of batchEntries(entries, this.maxFrameBytes)) {
      try {
        const frame = encodeFrame({ v: 1, kind: 'delta', entries: batch })
        const recipients = await pubsub.publish(CATALOG_TOPIC, frame)
        metrics.published('delta', batch.length)
        metrics.bytes('out', 'delta', frame.byteLength * Math.max(1, recipients))
        logger.debug({ entries: batch.length, recipients }, 'published delta')
        if (recipients === 0) this.retryLater(batch)
        else this.misses = 0
      } catch (err) {
        // Sync repairs what gossip misses: a failed publish is a delay, not a loss.
        logger.warn({ err: (err as Error).message, entries: batch.length }, 'publishing a delta failed')
      }
    }
  }
}
