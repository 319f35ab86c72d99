import { err, ok, type Result } from './result.ts'

/**
 * A hybrid logical clock timestamp (Kulkarni et al., 2014): `wall` is milliseconds since the
 * epoch as the issuing node saw it, `count` orders events inside one millisecond and carries
 * causality when a remote clock runs ahead of ours. Totally ordered by (wall, count).
 */
export interface Hlc {
  readonly wall: number
  readonly count: number
}

export const HLC_ZERO: Hlc = Object.freeze({ wall: 0, count: 0 })

/** The largest `count` we issue; past it the clock borrows a millisecond from the future. */
export const HLC_MAX_COUNT = 0xffff

export type HlcError =
  | {
      readonly type: 'clock-drift'
      readonly remoteWall: number
      readonly now: number
      readonly maxDriftMs: number
    }
  | { readonly type: 'invalid-timestamp'; readonly detail: string }

export function compareHlc(a: Hlc, b: Hlc): -1 | 0 | 1 {
  if (a.wall !== b.wall) return a.wall < b.wall ? -1 : 1
  if (a.count !== b.count) return a.count < b.count ? -1 : 1
  return 0
}

export function maxHlc(a: Hlc, b: Hlc): Hlc {
  return compareHlc(a, b) >= 0 ? a : b
}

export function isValidHlc(h: Hlc): boolean {
  return (
    Number.isSafeInteger(h.wall) &&
    h.wall >= 0 &&
    Number.isSafeInteger(h.count) &&
    h.count >= 0 &&
    h.count <= HLC_MAX_COUNT
  )
}

/**
 * The wall clock reading in whole milliseconds. A reading that is not a number in the safe
 * integer range (NaN, Infinity, past the year 285,000) carries no information and counts as 0.
 */
function physicalMs(now: number): number {
  return Number.isFinite(now) && Math.abs(now) <= Number.MAX_SAFE_INTEGER ? Math.floor(now) : 0
}

/**
 * The next timestamp for a local event. Monotonic whatever `now` does: a wall clock that stalls
 * or jumps back only makes `count` grow; when `count` would overflow we move one millisecond on.
 */
export function tickHlc(last: Hlc, now: number): Hlc {
  const wall = Math.max(last.wall, physicalMs(now))
  if (wall > last.wall) return { wall, count: 0 }
  if (last.count < HLC_MAX_COUNT) return { wall, count: last.count + 1 }
  return { wall: wall + 1, count: 0 }
}

/**
 * Fold a timestamp seen on a remote record into ours, so our next write orders after it.
 * A remote wall clock more than `maxDriftMs` ahead of `now` is refused, not adopted: one host
 * with a clock set to next year must not drag the whole fleet's clocks (and LWW) with it.
 */
export function receiveHlc(last: Hlc, remote: Hlc, now: number, maxDriftMs: number): Result<Hlc, HlcError> {
  if (!isValidHlc(remote)) return err({ type: 'invalid-timestamp', detail: `${remote.wall}.${remote.count}` })
  const physical = physicalMs(now)
  if (remote.wall > physical + maxDriftMs) {
    return err({ type: 'clock-drift', remoteWall: remote.wall, now, maxDriftMs })
  }
  const wall = Math.max(last.wall, remote.wall, physical)
  let count: number
  if (wall === last.wall && wall === remote.wall) count = Math.max(last.count, remote.count) + 1
  else if (wall === last.wall) count = last.count + 1
  else if (wall === remote.wall) count = remote.count + 1
  else count = 0
  if (count > HLC_MAX_COUNT) return ok({ wall: wall + 1, count: 0 })
  return ok({ wall, count })
}

/**
 * A clock for one node: the state of `tickHlc`/`receiveHlc` with the wall clock injected,
 * so tests drive it with a fake clock and nothing here reads real time.
 */
export class HybridClock {
  private last: Hlc
  private readonly now: () => number
  private readonly maxDriftMs: number

  constructor(now: () => number, maxDriftMs: number, start: Hlc = HLC_ZERO) {
    this.now = now
    this.maxDriftMs = maxDriftMs
    this.last = start
  }

  /** A new timestamp for a local write. */
  tick(): Hlc {
    this.last = tickHlc(this.last, this.now())
    return this.last
  }

  /** Observe a remote timestamp; refuses one too far in the future. */
  observe(remote: Hlc): Result<Hlc, HlcError> {
    const next = receiveHlc(this.last, remote, this.now(), this.maxDriftMs)
    if (next.ok) this.last = next.value
    return next
  }

  peek(): Hlc {
    return this.last
  }
}

/** `wall.count`, a human-readable form for logs and the HTTP API. */
export function hlcToString(h: Hlc): string {
  return `${h.wall}.${h.count}`
}
