/**
 * The bounds the drills assert, with where each comes from. The agents run the `local` preset
 * (agent/config/presets.ts): heartbeat 200 ms, suspect after 600 ms (300 ms after a lost link),
 * unreachable 1 s later, reaped 5 s after that, anti-entropy every 1 s, mDNS query every 500 ms.
 * Each bound is that arithmetic plus slack for five Node processes sharing two cores.
 */
export const BOUNDS = {
  /** Last agent ready → every agent lists every member alive and all catalogs are equal. */
  coldStartMs: 10_000,
  /** Heal → every agent answers the same instances with the same health (mDNS 0.5 s + sync 1 s). */
  healMs: 10_000,
  /** SIGKILL or pulled cable → the host's instances critical on every other agent (≈0.3–0.6 + 1 s). */
  failureMs: 5_000,
  /** Unreachable → the host's instances gone from every answer (reapAfter 5 s). */
  reapMs: 5_000 + 5_000,
  /** Restart / cable back → the host and its instances back everywhere, passing. */
  returnMs: 10_000,
  /** Registration acknowledged on one host → visible in DNS on another. */
  dnsMs: 3_000,
  /** The deliberate SIGSTOP window of the stall drill. */
  stallMs: 3_000,
} as const
