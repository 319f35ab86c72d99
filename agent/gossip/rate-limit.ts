/**
 * A token bucket per key (here: per origin peer id), so one buggy or hostile node cannot flood
 * the fleet: each key may spend `burst` messages at once and `perSecond` on average. Time comes
 * in as an argument; the map is bounded (idle, full buckets are dropped first).
 */
export interface RateLimitInit {
  readonly perSecond: number
  readonly burst: number
  /** Most keys tracked at once. Default 10 000. */
  readonly maxKeys?: number
}

interface Bucket {
  tokens: number
  at: number
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>()
  private readonly init: RateLimitInit

  constructor(init: RateLimitInit) {
    this.init = init
  }

  /** Spend one token for `key` at time `now` (ms); false when the bucket is empty. */
  take(key: string, now: number): boolean {
    let bucket = this.buckets.get(key)
    if (bucket === undefined) {
      if (this.buckets.size >= (this.init.maxKeys ?? 10_000)) this.prune(now)
      bucket = { tokens: this.init.burst, at: now }
      this.buckets.set(key, bucket)
    } else {
      const elapsed = Math.max(0, now - bucket.at)
      bucket.tokens = Math.min(this.init.burst, bucket.tokens + (elapsed / 1000) * this.init.perSecond)
      bucket.at = now
    }
    if (bucket.tokens < 1) return false
    bucket.tokens -= 1
    return true
  }

  private prune(now: number): void {
    for (const [key, bucket] of this.buckets) {
      const refilled = bucket.tokens + ((now - bucket.at) / 1000) * this.init.perSecond
      if (refilled >= this.init.burst) this.buckets.delete(key)
    }
    if (this.buckets.size >= (this.init.maxKeys ?? 10_000)) this.buckets.clear()
  }
}
