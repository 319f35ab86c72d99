import type { MemberState } from '../../crdt/view.ts'

/**
 * The pure membership state machine: what one observer believes about one other node, and how
 * each piece of evidence moves it. Time is an argument. The runtime (membership.ts) feeds it
 * heartbeats, node-record changes, connection losses, ping results and clock ticks.
 *
 *   alive ──silence > suspectAfter, a routine probe unanswered, or (link lost or accused) +
 *           silence > evidenceAfter──▶ suspect
 *   suspect ──ping failed after a lost link, or after an accusation once suspect for evidenceAfter
 *             (the accused's chance to refute), or silence > unreachableAfter──▶ unreachable
 *   suspect/unreachable ──heartbeat or ping answered──▶ alive
 *   any ──own node record says 'left'──▶ left (heartbeats of that incarnation are ignored)
 *   unreachable ──for reapAfter──▶ left (reaped: gone from answers)
 *   left ──heartbeat of a newer incarnation, or a newer 'alive' record──▶ alive
 *
 * Silence is measured on the observer's clock since it last heard any proof of life. When the
 * observer's own timers fire late (a stall: GC pause, SIGSTOP, an overloaded host) the stall is its
 * own fault, so `rebase` takes that much out of the silence instead of raising suspicion
 * (Lifeguard, Dadgar et al. 2017).
 *
 * Silence is judged against the member's own beat period: a node announces `every` (ms) in its
 * heartbeats, and `suspectAfter`/`unreachableAfter` stretch by `every / heartbeatMs`. Beats grow
 * sparser as the fleet grows (each observer hears a bounded number per second), so silence alone
 * decides slowly in a big fleet; the fast paths are evidence: a lost link, or an accusation by
 * another observer, each confirmed by this observer's own failed ping.
 */

export interface MemberTiming {
  /** Heartbeat period of every node (ms). */
  readonly heartbeatMs: number
  /** Silence before a node becomes suspect (ms). */
  readonly suspectAfterMs: number
  /** With a lost connection that could not be re-dialled, silence before suspect (ms). */
  readonly evidenceAfterMs: number
  /** Silence after which a suspect is unreachable even without a failed ping (ms). */
  readonly unreachableAfterMs: number
  /** Time unreachable after which a node is dropped from answers (ms). */
  readonly reapAfterMs: number
}

export interface Member {
  readonly state: MemberState
  /** Observer clock (ms) of the last proof of life, or of first knowledge of the node. */
  readonly lastHeard: number
  /** Observer clock (ms) of the last heartbeat or answered ping; undefined if never. */
  readonly lastSeen: number | undefined
  /** Highest incarnation heard (a node's incarnation grows on every start). */
  readonly incarnation: number
  readonly seq: number
  /** Heartbeats with an incarnation up to this one are from before the node left. */
  readonly leftIncarnation: number | undefined
  /** A connection to it closed and a redial failed since we last heard from it. */
  readonly linkLost: boolean
  /** Another observer accused it (could not reach it) since we last heard from it. */
  readonly accused: boolean
  /** Its announced beat period (ms); undefined until a heartbeat says. */
  readonly every: number | undefined
  /** Observer clock when the current state was entered. */
  readonly since: number
  /** Dropped from answers after being unreachable for `reapAfterMs`. */
  readonly reaped: boolean
}

export type MemberInput =
  | {
      readonly type: 'heartbeat'
      readonly incarnation: number
      readonly seq: number
      readonly every?: number | undefined
    }
  /** Another observer says it could not reach this incarnation of the node. */
  | { readonly type: 'accused'; readonly incarnation: number }
  | { readonly type: 'ping-ok' }
  | { readonly type: 'ping-failed' }
  /** A routine probe (SWIM's round-robin ping of a member believed alive) went unanswered. */
  | { readonly type: 'probe-failed' }
  | { readonly type: 'link-lost' }
  | { readonly type: 'record-left' }
  | { readonly type: 'record-alive' }
  | { readonly type: 'tick' }
  /** This observer's own timers fired `stalledMs` late: that time is not the peer's silence. */
  | { readonly type: 'rebase'; readonly stalledMs: number }

/** A member first learned of at `now` (from a record or a heartbeat). */
export function newMember(now: number, left = false): Member {
  return {
    state: left ? 'left' : 'alive',
    lastHeard: now,
    lastSeen: undefined,
    incarnation: 0,
    seq: 0,
    leftIncarnation: left ? 0 : undefined,
    linkLost: false,
    accused: false,
    every: undefined,
    since: now,
    reaped: false,
  }
}

/** How much longer than the configured period this member beats (≥ 1). */
function stretch(m: Member, timing: MemberTiming): number {
  return m.every === undefined ? 1 : Math.max(1, m.every / timing.heartbeatMs)
}

/** Silence after which `m` is suspect, on its own beat period. */
export function suspectAfterFor(m: Member, timing: MemberTiming): number {
  return timing.suspectAfterMs * stretch(m, timing)
}

/** Silence after which a suspect `m` is unreachable without a confirmed ping. */
export function unreachableAfterFor(m: Member, timing: MemberTiming): number {
  return timing.unreachableAfterMs * stretch(m, timing)
}

function enter(m: Member, state: MemberState, now: number): Member {
  return m.state === state ? m : { ...m, state, since: now }
}

function heard(m: Member, now: number): Member {
  return {
    ...enter(m, 'alive', now),
    lastHeard: now,
    lastSeen: now,
    linkLost: false,
    accused: false,
    reaped: false,
  }
}

/** The next state of `m` given `input` at observer time `now`. Pure and total. */
export function transition(m: Member, input: MemberInput, now: number, timing: MemberTiming): Member {
  switch (input.type) {
    case 'heartbeat': {
      if (input.incarnation < m.incarnation) return m
      if (input.incarnation === m.incarnation && input.seq < m.seq && m.state !== 'left') return m
      if (m.leftIncarnation !== undefined && input.incarnation <= m.leftIncarnation) {
        return { ...m, incarnation: input.incarnation, seq: Math.max(m.seq, input.seq) }
      }
      return {
        ...heard(m, now),
        incarnation: input.incarnation,
        seq: input.seq,
        leftIncarnation: undefined,
        every: input.every ?? m.every,
      }
    }
    case 'accused':
      // An accusation about an older life of the node is stale; one about a node that left or
      // is already unreachable changes nothing.
      if (input.incarnation < m.incarnation || m.state === 'left' || m.state === 'unreachable') return m
      return m.accused ? m : { ...m, accused: true }
    case 'ping-ok':
      return m.state === 'left' ? m : heard(m, now)
    case 'ping-failed':
      // A failed ping confirms a suspect only with independent evidence: its connection
      // closed and could not be re-dialled, or another observer could not reach it either.
      // Alone, a ping can fail because either side is briefly overloaded; then only silence
      // past `unreachableAfter` decides (Lifeguard).
      // An accusation is weaker than a lost link (the accuser's pings and ours may have failed
      // in the same burst of load on the accused), so the accused first gets
      // `evidenceAfter` as a suspect to refute it with a heartbeat.
      if (m.state !== 'suspect') return m
      if (m.linkLost) return enter(m, 'unreachable', now)
      if (m.accused && now - m.since >= timing.evidenceAfterMs) return enter(m, 'unreachable', now)
      return m
    case 'probe-failed':
      // Unanswered, but alone that proves nothing (either side may be busy): suspect it, which
      // makes this observer ping it every tick and tell the others, who check for themselves.
      if (m.state === 'alive') return enter(m, 'suspect', now)
      return transition(m, { type: 'ping-failed' }, now, timing)
    case 'link-lost':
      return m.state === 'left' ? m : { ...m, linkLost: true }
    case 'record-left':
      return {
        ...enter(m, 'left', now),
        leftIncarnation: m.incarnation,
        linkLost: false,
        accused: false,
        reaped: false,
      }
    case 'record-alive':
      if (m.state !== 'left') return m
      return { ...enter(m, 'alive', now), lastHeard: now, leftIncarnation: undefined, reaped: false }
    case 'rebase': {
      // Take our own stall out of the silence we measured, and no more: under sustained
      // overload a dead peer must still end unreachable, just later (Lifeguard).
      if (m.state === 'left' || m.state === 'unreachable') return m
      const lastHeard = Math.min(now, m.lastHeard + Math.max(0, input.stalledMs))
      if (now - lastHeard > suspectAfterFor(m, timing)) return { ...m, lastHeard }
      return { ...enter(m, 'alive', now), lastHeard, linkLost: false, accused: false }
    }
    case 'tick':
      return tick(m, now, timing)
  }
}

function tick(m: Member, now: number, timing: MemberTiming): Member {
  const silence = now - m.lastHeard
  switch (m.state) {
    case 'alive':
      if (
        silence > suspectAfterFor(m, timing) ||
        ((m.linkLost || m.accused) && silence > timing.evidenceAfterMs)
      ) {
        return enter(m, 'suspect', now)
      }
      return m
    case 'suspect':
      return silence > unreachableAfterFor(m, timing) ? enter(m, 'unreachable', now) : m
    case 'unreachable':
      return now - m.since > timing.reapAfterMs ? { ...enter(m, 'left', now), reaped: true } : m
    case 'left':
      return m
  }
}

/** True when the runtime should ping this member to confirm or clear suspicion. */
export function needsProbe(m: Member): boolean {
  return m.state === 'suspect'
}

/** Timing presets: `lan` (the default, as agent/config's schema) and `fast` (tests; config's `local` preset). */
export const MEMBER_TIMING_PRESETS = {
  lan: {
    heartbeatMs: 1_000,
    suspectAfterMs: 3_000,
    evidenceAfterMs: 1_500,
    unreachableAfterMs: 5_000,
    reapAfterMs: 30 * 60_000,
  },
  fast: {
    heartbeatMs: 200,
    suspectAfterMs: 600,
    evidenceAfterMs: 300,
    unreachableAfterMs: 1_000,
    reapAfterMs: 5_000,
  },
} as const satisfies Record<string, MemberTiming>
