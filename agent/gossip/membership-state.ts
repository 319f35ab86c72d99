import type { MemberState } from '../../crdt/view.ts'

/**
 * The pure membership state machine: what one observer believes about one other node, and how
 * each piece of evidence moves it. Time is an argument. The runtime (membership.ts) feeds it
 * heartbeats, node-record changes, connection losses, ping results and clock ticks.
 *
 *   alive ──silence > suspectAfter, a routine probe unanswered, or (link lost or accused) +
 *           silence > evidenceAfter──▶ suspect
 *   suspect ──suspect for the suspicion timeout (below), or silence > unreachableAfter──▶ unreachable
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
 *
 * How long a suspect stays one is Lifeguard's dynamic suspicion timeout (Dadgar et al. 2017, as in
 * memberlist): once this observer's own ping failed, it starts at `unreachableAfter` and shrinks
 * towards `evidenceAfter` as independent observers confirm — the distinct accusers of the
 * member's current incarnation. This observer is the first; each accuser is a confirmation:
 *
 *   timeout = max(min, max − (max − min) · log(C + 1) / log(K + 1))
 *
 * with C confirmations and K of them expected (at most 3, fewer in a fleet too small to have
 * them). One observer alone — a merely slow one, say — waits the whole `unreachableAfter`, time
 * for the accused to refute or for a later ping to get through; in a real kill every connected
 * peer sees its link drop and accuses, so C reaches K at once and the wait is `evidenceAfter`.
 * Those are the bounds when a dial of this observer's was refused (nothing listens: the process
 * is gone). On unanswered pings alone the node may only be busy, and since every observer then
 * confirms every other the bounds are longer, [unreachableAfter, 3 × unreachableAfter]
 * (suspicionBounds).
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
  /** Distinct observers that accused incarnation `accusedIncarnation` since we last heard from it. */
  readonly accusers: readonly string[]
  /** The incarnation `accusers` accused (the highest accused so far). */
  readonly accusedIncarnation: number
  /** This observer's own ping failed since it last heard from it: one more confirmation. */
  readonly pingFailed: boolean
  /**
   * A dial of ours to it was refused since we last heard from it: nothing listens at its
   * addresses, so its process is gone. Strong evidence, where an unanswered ping may be a busy
   * node: it takes the short suspicion timeout (below).
   */
  readonly refused: boolean
  /** Its announced beat period (ms); undefined until a heartbeat says. */
  readonly every: number | undefined
  /**
   * Observer clock when the current state was entered. A suspect's suspicion timer runs from
   * here; a stall of this observer moves it later (the timer does not run while we were not).
   */
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
  /** Observer `from` says it could not reach this incarnation of the node. */
  | { readonly type: 'accused'; readonly incarnation: number; readonly from: string }
  | { readonly type: 'ping-ok' }
  /** Our ping of a suspect failed; `refused`: its dial was refused (nothing listens there). */
  | { readonly type: 'ping-failed'; readonly refused?: boolean }
  /** A routine probe (SWIM's round-robin ping of a member believed alive) went unanswered. */
  | { readonly type: 'probe-failed'; readonly refused?: boolean }
  /** Our connection to it closed and the redial failed (`refused`: the dial was refused). */
  | { readonly type: 'link-lost'; readonly refused?: boolean }
  | { readonly type: 'record-left' }
  | { readonly type: 'record-alive' }
  /**
   * The clock moved on. `members`: the fleet as this observer knows it (itself included, left
   * ones not), which bounds the confirmations a suspicion can expect; default: enough for all.
   * `every`: the beat period this observer itself uses now (ms), the best guess for a member it
   * has not heard a heartbeat from yet, since every node derives its period from the fleet's size.
   */
  | { readonly type: 'tick'; readonly members?: number; readonly every?: number }
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
    accusers: [],
    accusedIncarnation: 0,
    pingFailed: false,
    refused: false,
    every: undefined,
    since: now,
    reaped: false,
  }
}

/**
 * How much longer than the configured period this member beats (≥ 1): its announced period; a
 * member heard beating without announcing one beats at the configured period; and one not heard
 * beating yet (seq 0) is judged by `guess`, the observer's own period. Without the guess, an
 * observer that has just (re)started and learned a big fleet from sync would judge every member
 * by the unstretched period and find them all silent long before their first beat reaches it.
 */
function stretch(m: Member, timing: MemberTiming, guess?: number): number {
  const every = m.every ?? (m.seq === 0 ? guess : undefined)
  return every === undefined ? 1 : Math.max(1, every / timing.heartbeatMs)
}

/** Silence after which `m` is suspect, on its own beat period (or `guess` while unknown). */
export function suspectAfterFor(m: Member, timing: MemberTiming, guess?: number): number {
  return timing.suspectAfterMs * stretch(m, timing, guess)
}

/** Silence after which a suspect `m` is unreachable without a confirmed ping. */
export function unreachableAfterFor(m: Member, timing: MemberTiming, guess?: number): number {
  return timing.unreachableAfterMs * stretch(m, timing, guess)
}

/** Confirmations a suspicion can expect at most: K in the timeout's formula. */
export const EXPECTED_CONFIRMATIONS = 3

/** K for a fleet of `members` (the observer and the suspect included): the other observers, up to 3. */
export function expectedConfirmations(members: number): number {
  return Math.max(0, Math.min(EXPECTED_CONFIRMATIONS, Math.floor(members) - 2))
}

/** True when some observer has accused the member's current life. */
export function isAccused(m: Member): boolean {
  return m.accusers.length > 0 && m.accusedIncarnation >= m.incarnation
}

/** Other observers that could not reach `m`'s current life: confirmations of our own failed ping. */
export function confirmationsOf(m: Member): number {
  return isAccused(m) ? m.accusers.length : 0
}

/** How much longer a suspicion on unanswered pings alone waits than one on a refused dial. */
export const WEAK_EVIDENCE_FACTOR = 3

/**
 * The range of the suspicion timeout (ms). Strong evidence (a dial of ours was refused: the
 * process is gone) takes [evidenceAfter, unreachableAfter]. Unanswered pings alone may be a node
 * that is only busy — at N = 50 on 2 cores nodes stalled for up to 3.7 s, and with the short range
 * every observer confirmed every other, so they were called unreachable while alive — and take
 * [unreachableAfter, 3 × unreachableAfter]: a killed process is still found fast, a silent host
 * (powered off, cut off) about as fast as Serf finds it.
 */
export function suspicionBounds(strong: boolean, timing: MemberTiming): { min: number; max: number } {
  const min = strong ? timing.evidenceAfterMs : timing.unreachableAfterMs
  const max = strong ? timing.unreachableAfterMs : WEAK_EVIDENCE_FACTOR * timing.unreachableAfterMs
  return { min, max: Math.max(min, max) }
}

/**
 * How long a member stays suspect (ms) given `confirmations` beyond the first observer and
 * `expected` (K) of them: the range's max with none, falling as log(C + 1) / log(K + 1) to its
 * min at K or more. With K = 0 nobody can confirm, so the wait is the longest. `strong`: see
 * suspicionBounds (default: strong).
 */
export function suspicionTimeout(
  confirmations: number,
  expected: number,
  timing: MemberTiming,
  strong = true,
): number {
  const { min, max } = suspicionBounds(strong, timing)
  if (expected < 1 || confirmations < 1) return max
  const fraction = Math.log(confirmations + 1) / Math.log(expected + 1)
  return Math.max(min, max - (max - min) * fraction)
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
    accusers: [],
    pingFailed: false,
    refused: false,
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
    case 'accused': {
      // An accusation about an older life of the node is stale; one about a node that left or
      // is already unreachable changes nothing. Each accuser counts once per incarnation.
      if (input.incarnation < m.incarnation || m.state === 'left' || m.state === 'unreachable') return m
      if (input.incarnation > m.accusedIncarnation || !isAccused(m)) {
        return { ...m, accusers: [input.from], accusedIncarnation: input.incarnation }
      }
      if (input.incarnation < m.accusedIncarnation || m.accusers.includes(input.from)) return m
      return { ...m, accusers: [...m.accusers, input.from] }
    }
    case 'ping-ok':
      return m.state === 'left' ? m : heard(m, now)
    case 'ping-failed': {
      // Our own failed ping is one observer's word: alone it can fail because either side is
      // briefly overloaded, so it only starts (or shortens) the suspicion timer, which the next
      // tick judges.
      if (m.state !== 'suspect') return m
      const refused = m.refused || input.refused === true
      if (m.pingFailed && refused === m.refused) return m
      return { ...m, pingFailed: true, refused }
    }
    case 'probe-failed':
      // Unanswered, but alone that proves nothing (either side may be busy): suspect it, which
      // makes this observer ping it every tick and tell the others, who check for themselves.
      if (m.state === 'alive') {
        return { ...enter(m, 'suspect', now), pingFailed: true, refused: m.refused || input.refused === true }
      }
      return transition(m, { type: 'ping-failed', refused: input.refused === true }, now, timing)
    case 'link-lost':
      return m.state === 'left' ? m : { ...m, linkLost: true, refused: m.refused || input.refused === true }
    case 'record-left':
      return {
        ...enter(m, 'left', now),
        leftIncarnation: m.incarnation,
        linkLost: false,
        accusers: [],
        pingFailed: false,
        refused: false,
        reaped: false,
      }
    case 'record-alive':
      if (m.state !== 'left') return m
      return { ...enter(m, 'alive', now), lastHeard: now, leftIncarnation: undefined, reaped: false }
    case 'rebase': {
      // Take our own stall out of the silence we measured, and no more: under sustained
      // overload a dead peer must still end unreachable, just later (Lifeguard). Evidence that
      // does not come from our timing survives the stall: a lost link (the kernel's word),
      // other observers' accusations, and our own failed ping (the runtime drops a ping result
      // that overlapped a stall before it gets here). Clearing it too left a killed node alive
      // for good at N=50, where every kill made the whole fleet's timers fire late: the
      // accusations, sent once, were gone, and only silence (25 s beats × 3) was left.
      if (m.state === 'left' || m.state === 'unreachable') return m
      const stalled = Math.max(0, input.stalledMs)
      const lastHeard = Math.min(now, m.lastHeard + stalled)
      if (m.state === 'alive') return { ...m, lastHeard }
      const evidence = m.linkLost || isAccused(m) || m.pingFailed
      if (evidence || now - lastHeard > suspectAfterFor(m, timing)) {
        // Still a suspect: its suspicion timer did not run while we were stalled either.
        return { ...m, lastHeard, since: Math.min(now, m.since + stalled) }
      }
      return { ...enter(m, 'alive', now), lastHeard }
    }
    case 'tick':
      return tick(m, now, timing, input)
  }
}

function tick(m: Member, now: number, timing: MemberTiming, input: MemberInput & { type: 'tick' }): Member {
  const members = input.members ?? Number.POSITIVE_INFINITY
  const guess = input.every
  const silence = now - m.lastHeard
  switch (m.state) {
    case 'alive':
      if (
        silence > suspectAfterFor(m, timing, guess) ||
        ((m.linkLost || isAccused(m)) && silence > timing.evidenceAfterMs)
      ) {
        return enter(m, 'suspect', now)
      }
      return m
    case 'suspect': {
      if (silence > unreachableAfterFor(m, timing, guess)) return enter(m, 'unreachable', now)
      // Our own failed ping starts the verdict: others' words alone only make us look (a member
      // cannot make a node we can reach look dead to us); each accuser then shortens the wait.
      if (!m.pingFailed) return m
      const timeout = suspicionTimeout(confirmationsOf(m), expectedConfirmations(members), timing, m.refused)
      return now - m.since >= timeout ? enter(m, 'unreachable', now) : m
    }
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
