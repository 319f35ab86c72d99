/**
 * Lifeguard's local health multiplier (Dadgar et al. 2017; memberlist's "awareness"): how much
 * this observer distrusts its own timing. Signs that it is the slow one — its timers firing late,
 * its pings running out their whole timeout, being accused itself — raise a score; every answered
 * ping lowers it. The probe timeout is stretched by (score + 1), so an overloaded observer gives
 * its peers longer to answer instead of calling them failed. A refused dial (a killed peer on
 * loopback, a closed port) fails at once and never waits for the timeout, so real failures are
 * found as fast as before.
 */

/** Highest score: the probe timeout grows to at most (MAX_LOCAL_HEALTH + 1) times its base. */
export const MAX_LOCAL_HEALTH = 7

export class LocalHealth {
  private value = 0
  private readonly onChange: (score: number) => void

  /** `onChange` hears every new score (the agent exports it as a metric). */
  constructor(onChange: (score: number) => void = () => {}) {
    this.onChange = onChange
  }

  /** 0 (healthy) to MAX_LOCAL_HEALTH. */
  get score(): number {
    return this.value
  }

  /** Something showed this observer is slow (+1) or keeps up (−1); the score stays in range. */
  apply(delta: number): void {
    const next = Math.max(0, Math.min(MAX_LOCAL_HEALTH, this.value + delta))
    if (next === this.value) return
    this.value = next
    this.onChange(next)
  }

  /** `ms` stretched by the current score. */
  scale(ms: number): number {
    return ms * (this.value + 1)
  }
}
