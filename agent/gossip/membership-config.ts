import type { Logger } from 'pino'
import type { MemberState } from '../../crdt/view.ts'
import type { CatalogStore } from '../catalog/store.ts'
import type { Pubsub } from './gossipsub.ts'
import type { MemberTiming } from './membership-state.ts'
import type { GossipMetrics } from './metrics.ts'
import type { Timers } from './timers.ts'

/** What Membership (membership.ts) needs, what it is tuned by, and what it reports. */

export interface MemberStatus {
  readonly state: MemberState
  /** ms (this agent's clock) of the last heartbeat or answered ping, if any. */
  readonly lastSeen: number | undefined
  readonly incarnation: number
  /** True when dropped after `reapAfterMs` unreachable (reported as 'left'). */
  readonly reaped: boolean
}

export interface MemberChangeEvent {
  readonly origin: string
  readonly state: MemberState
  readonly previous: MemberState | undefined
  readonly reaped: boolean
}

export interface MembershipEvents {
  'member:change': [MemberChangeEvent]
}

/** The network actions membership needs; the service implements them over libp2p. */
export interface MembershipProbe {
  /**
   * Direct ping (dialling if needed): true when answered within the timeout; 'refused' when the
   * dial was refused (nothing listens at its addresses: its process is gone); false otherwise.
   */
  ping(origin: string, timeoutMs: number): Promise<boolean | 'refused'>
  /**
   * True while this agent has a connection to `origin`. Routine probes go only to connected
   * members: every member is connected to several others, so each is still probed about once a
   * period, and nobody pays for dials just to probe. Absent: every member is a candidate.
   */
  isConnected?(origin: string): boolean
}

export interface MembershipComponents {
  readonly store: CatalogStore
  readonly pubsub: Pubsub
  readonly probe: MembershipProbe
  readonly logger: Logger
  readonly metrics: GossipMetrics
  /** Wall clock (ms since the epoch): only for the default incarnation. */
  readonly now: () => number
  /**
   * The clock all liveness timing runs on. Must be monotonic: a wall clock stepped back an hour
   * would otherwise blind failure detection for an hour. Default: `now`.
   */
  readonly monotonic?: () => number
  readonly timers: Timers
  /** Uniform in [0, 1): the order of routine probes. Default Math.random. */
  readonly random?: () => number
}

export interface MembershipInit {
  readonly timing?: MemberTiming
  /** This start's incarnation (must grow across restarts). Default: `now()` at start. */
  readonly incarnation?: number
  /** How often the state machine ticks (ms). Default heartbeatMs / 4. */
  readonly tickMs?: number
  /** A tick this late (ms) means this process stalled: rebase instead of suspecting. Default heartbeatMs. */
  readonly maxTimerLagMs?: number
  /**
   * Timeout of a probe ping (ms), stretched by this agent's local health score. Default
   * max(heartbeatMs, 1 s): a busy peer still answers.
   */
  readonly pingTimeoutMs?: number
  /**
   * Heartbeats per second an observer should have to hear at most: this node's beat period
   * grows to max(heartbeatMs, members / rate), rounded up to whole heartbeatMs, so the fleet's
   * heartbeat traffic grows as O(N) instead of O(N²). 0 keeps heartbeatMs at any size. Default 2.
   */
  readonly maxHeartbeatRate?: number
  /**
   * Every this many ms, ping one member believed alive, taking members in a shuffled round
   * (SWIM): a dead or cut-off node is found by someone within about a period, whatever the beat
   * period, at O(1) cost per node. 0 disables. Default heartbeatMs.
   */
  readonly probeEveryMs?: number
}
