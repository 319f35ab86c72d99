/**
 * Response rate limiting per source address (a token bucket each), for servers bound to a
 * non-loopback address: a spoofed flood cannot turn the server into an amplifier. Limited
 * responses are dropped, except every `slip`-th, which becomes an empty TC=1 reply so a real
 * client behind the same address retries over TCP (where no limit applies: TCP cannot be spoofed).
 */

export interface RateLimitSettings {
  readonly responsesPerSecond: number
  readonly burst: number
  readonly slip: number
  readonly maxSources: number
}

export type RateDecision = 'send' | 'drop' | 'slip'

interface Bucket {
  tokens: number
  last: number
  limited: number
}

export class ResponseRateLimiter {
  private readonly now: () => number
  private readonly s: RateLimitSettings
  private readonly buckets = new Map<string, Bucket>()

  constructor(components: { now: () => number }, settings: RateLimitSettings) {
    this.now = components.now
    this.s = settings
  }

  get trackedSources(): number {
    return this.buckets.size
  }

  check(source: string): RateDecision {
    const t = this.now()
    let b = this.buckets.get(source)
    if (b === undefined) {
      if (this.buckets.size >= this.s.maxSources) {
        // Forget the oldest source (Map keeps insertion order).
        const oldest = this.buckets.keys().next().value
        if (oldest !== undefined) this.buckets.delete(oldest)
      }
      b = { tokens: this.s.burst, last: t, limited: 0 }
      this.buckets.set(source, b)
    } else {
      b.tokens = Math.min(this.s.burst, b.tokens + ((t - b.last) / 1000) * this.s.responsesPerSecond)
      b.last = t
    }
    if (b.tokens >= 1) {
      b.tokens -= 1
      return 'send'
    }
    b.limited++
    return this.s.slip > 0 && b.limited % this.s.slip === 0 ? 'slip' : 'drop'
  }
}
