import type { Logger } from 'pino'
import type { Entry } from '../../crdt/entry.ts'
import type { VerifyFn } from '../../crdt/signing.ts'
import type { CatalogStore } from '../catalog/store.ts'
import type { Pubsub, PubsubMessage, Verdict } from './gossipsub.ts'
import type { GossipMetrics } from './metrics.ts'
import { RateLimiter } from './rate-limit.ts'
import { CATALOG_TOPIC } from './topics.ts'
import { decideDelta } from './validate.ts'

/**
 * The receiving side of delta gossip: a synchronous topic validator (decode, ownership, record
 * signatures, per-origin rate limit) that runs before gossipsub forwards anything, and a message
 * handler that merges what passed. REJECT lowers the publisher's gossipsub score (topic score
 * params in gossipsub.ts); IGNORE does not (rate limit, frames from a newer agent).
 */

export interface ReceiverComponents {
  readonly store: CatalogStore
  readonly pubsub: Pubsub
  readonly logger: Logger
  readonly metrics: GossipMetrics
  readonly now: () => number
  readonly verify: VerifyFn
}

export interface ReceiverInit {
  /** Deltas per second per origin, on average. Default 20. */
  readonly ratePerSecond?: number
  /** Deltas per origin at once. Default 100. */
  readonly rateBurst?: number
  /** Largest delta accepted (bytes). Default 1 MiB. */
  readonly maxFrameBytes?: number
}

export class Receiver {
  private readonly components: ReceiverComponents
  private readonly limiter: RateLimiter
  private readonly maxFrameBytes: number
  /** Frames decoded by the validator, handed to the message handler without decoding twice. */
  private readonly decoded = new WeakMap<Uint8Array, readonly Entry[]>()
  private unsubscribe: (() => void) | undefined

  constructor(components: ReceiverComponents, init: ReceiverInit = {}) {
    this.components = components
    this.limiter = new RateLimiter({ perSecond: init.ratePerSecond ?? 20, burst: init.rateBurst ?? 100 })
    this.maxFrameBytes = init.maxFrameBytes ?? 1 << 20
  }

  start(): Promise<void> {
    if (this.unsubscribe !== undefined) return Promise.resolve()
    const { pubsub } = this.components
    pubsub.setValidator(CATALOG_TOPIC, (message, source) => this.validate(message, source))
    this.unsubscribe = pubsub.onMessage((message) => {
      if (message.topic === CATALOG_TOPIC) this.accept(message)
    })
    pubsub.subscribe(CATALOG_TOPIC)
    return Promise.resolve()
  }

  stop(): Promise<void> {
    if (this.unsubscribe === undefined) return Promise.resolve()
    this.unsubscribe()
    this.unsubscribe = undefined
    this.components.pubsub.unsubscribe(CATALOG_TOPIC)
    return Promise.resolve()
  }

  /** The topic validator (exposed for tests). */
  validate(message: PubsubMessage, propagationSource: string): Verdict {
    const { logger, metrics, verify, now } = this.components
    if (!this.limiter.take(message.from, now())) {
      metrics.ignored('rate-limited')
      logger.debug({ origin: message.from }, 'delta ignored: origin over its rate limit')
      return 'ignore'
    }
    const decision = decideDelta(message.data, message.from, verify, this.maxFrameBytes)
    if (decision.verdict === 'accept') {
      this.decoded.set(message.data, decision.frame.entries)
      return 'accept'
    }
    if (decision.verdict === 'reject') {
      metrics.rejected(decision.reason)
      logger.warn(
        { origin: message.from, via: propagationSource, reason: decision.reason, detail: decision.detail },
        'delta rejected',
      )
      return 'reject'
    }
    metrics.ignored(decision.reason)
    logger.debug({ origin: message.from, reason: decision.reason }, 'delta ignored')
    return 'ignore'
  }

  private accept(message: PubsubMessage): void {
    const { store, logger, metrics, verify } = this.components
    metrics.bytes('in', 'delta', message.data.byteLength)
    let entries = this.decoded.get(message.data)
    if (entries === undefined) {
      const decision = decideDelta(message.data, message.from, verify, this.maxFrameBytes)
      if (decision.verdict !== 'accept') return
      entries = decision.frame.entries
    }
    metrics.received(entries.length)
    const result = store.mergeRemote(entries, message.from)
    for (const { entry, reason } of result.rejected) {
      logger.info({ origin: entry.origin, key: entry.key, reason }, 'gossiped entry not merged')
    }
  }
}
