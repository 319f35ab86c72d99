import { EventEmitter } from 'node:events'
import { parseKey } from '../../crdt/keys.ts'
import type { NodeValue } from '../../crdt/schema.ts'
import type { MemberState } from '../../crdt/view.ts'
import { encodeFrame, type HeartbeatFrame, type SuspectFrame } from '../../crdt/wire.ts'
import type { CatalogChangeEvent } from '../catalog/store.ts'
import type { PubsubMessage, Verdict } from './gossipsub.ts'
import { LocalHealth } from './local-health.ts'
import type {
  MemberStatus,
  MembershipComponents,
  MembershipEvents,
  MembershipInit,
} from './membership-config.ts'
import {
  MEMBER_TIMING_PRESETS,
  type Member,
  type MemberInput,
  type MemberTiming,
  needsProbe,
  newMember,
  transition,
} from './membership-state.ts'
import { ProbeRound } from './probe-round.ts'
import { RateLimiter } from './rate-limit.ts'
import { HEARTBEAT_TOPIC } from './topics.ts'
import { decideHeartbeat } from './validate.ts'

/**
 * Liveness. Every node publishes a small heartbeat on its own schedule (never written into the
 * CRDT); every observer runs the state machine of membership-state.ts per origin, fed by
 * heartbeats (relayed through the mesh: any path counts), node records (status 'left'),
 * connection losses with a failed redial, and direct pings of suspects.
 *
 * Lifeguard's lessons: the tick measures how late its own timer fired; when this process was the
 * slow one (GC pause, SIGSTOP/SIGCONT, CPU starvation), it resets the baselines instead of
 * suspecting everyone it did not hear while it was not listening. Late ticks, pings that ran out
 * their timeout and accusations of this agent raise its local health score, which stretches its
 * probe timeout (local-health.ts). And a suspect becomes unreachable only after the suspicion
 * timeout of membership-state.ts, which is long unless other observers confirm.
 */

export type {
  MemberChangeEvent,
  MemberStatus,
  MembershipComponents,
  MembershipInit,
  MembershipProbe,
} from './membership-config.ts'

/** Least time between two refuting heartbeats (ms): well inside every observer's per-node rate limit. */
const REFUTE_SPACING_MS = 1_000

export class Membership extends EventEmitter<MembershipEvents> {
  private readonly components: MembershipComponents
  readonly timing: MemberTiming
  private readonly tickMs: number
  private readonly maxTimerLagMs: number
  private readonly pingTimeoutMs: number
  private readonly self: string
  private readonly clock: () => number
  private readonly table = new Map<string, Member>()
  private readonly probing = new Set<string>()
  private readonly limiter: RateLimiter
  private readonly maxHeartbeatRate: number
  /** When this agent last accused each origin (by `origin:incarnation`), on `clock`. */
  private readonly accusedAt = new Map<string, number>()
  private lastRefuteAt = Number.NEGATIVE_INFINITY
  /** Frames the validator decoded, handed to the message handler without decoding twice. */
  private readonly decoded = new WeakMap<Uint8Array, HeartbeatFrame | SuspectFrame>()
  private readonly probeEveryMs: number
  private readonly round: ProbeRound
  private nextProbeAt = 0
  /** Consecutive unanswered pings per member (reset by any proof of life). */
  private readonly failedPings = new Map<string, number>()
  /** Clock of the last tick that fired noticeably late: this process was the slow one then. */
  private lastLagAt = Number.NEGATIVE_INFINITY
  /** Clock of the last tick that fired more than maxTimerLagMs late (a stall). */
  private lastStallAt = Number.NEGATIVE_INFINITY
  /** Lifeguard's local health: how far this agent's own timing is to be trusted. */
  private readonly health: LocalHealth
  private incarnation: number
  private seq = 0
  private running = false
  private tickTimer: unknown
  private beatTimer: unknown
  private expectedTickAt = 0
  private unsubscribe: (() => void) | undefined
  private readonly onStoreChange = (event: CatalogChangeEvent): void => {
    for (const change of event.changes) this.observeRecord(change.current.key, change.current.value)
  }

  constructor(components: MembershipComponents, init: MembershipInit = {}) {
    super()
    this.components = components
    this.health = new LocalHealth((score) => components.metrics.localHealth(score))
    this.timing = init.timing ?? MEMBER_TIMING_PRESETS.lan
    this.tickMs = init.tickMs ?? Math.max(10, Math.floor(this.timing.heartbeatMs / 4))
    this.maxTimerLagMs = init.maxTimerLagMs ?? this.timing.heartbeatMs
    this.pingTimeoutMs = init.pingTimeoutMs ?? Math.max(this.timing.heartbeatMs, 1000)
    this.self = components.store.origin
    this.clock = components.monotonic ?? components.now
    this.incarnation = init.incarnation ?? 0
    this.maxHeartbeatRate = init.maxHeartbeatRate ?? 2
    this.probeEveryMs = init.probeEveryMs ?? this.timing.heartbeatMs
    this.round = new ProbeRound(components.random ?? Math.random)
    const perSecond = Math.max(5, (3 * 1000) / this.timing.heartbeatMs)
    this.limiter = new RateLimiter({ perSecond, burst: perSecond * 3 })
  }

  async start(): Promise<void> {
    if (this.running) return
    this.running = true
    const { pubsub, store, now } = this.components
    if (this.incarnation === 0) this.incarnation = Math.floor(now())
    for (const entry of store.entries()) this.observeRecord(entry.key, entry.value)
    store.on('change', this.onStoreChange)
    pubsub.setValidator(HEARTBEAT_TOPIC, (message) => this.validate(message))
    this.unsubscribe = pubsub.onMessage((message) => {
      if (message.topic === HEARTBEAT_TOPIC) this.onHeartbeat(message)
    })
    pubsub.subscribe(HEARTBEAT_TOPIC)
    this.scheduleTick()
    await this.beat()
  }

  async stop(): Promise<void> {
    if (!this.running) return
    this.running = false
    const { timers, store, pubsub } = this.components
    timers.clearTimeout(this.tickTimer)
    timers.clearTimeout(this.beatTimer)
    store.off('change', this.onStoreChange)
    this.unsubscribe?.()
    this.unsubscribe = undefined
    pubsub.unsubscribe(HEARTBEAT_TOPIC)
  }

  /**
   * This node's beat period now: `heartbeatMs`, stretched in whole periods so that the fleet's
   * members (as this node knows them) send an observer at most `maxHeartbeatRate` beats a second.
   */
  beatPeriod(members = this.fleetSize()): number {
    const { heartbeatMs } = this.timing
    if (this.maxHeartbeatRate <= 0) return heartbeatMs
    const needed = (members * 1000) / this.maxHeartbeatRate
    return Math.max(1, Math.ceil(needed / heartbeatMs - 1e-9)) * heartbeatMs
  }

  /** Publish one heartbeat now (start, graceful leave, refuting an accusation) and reschedule the next. */
  async beat(): Promise<void> {
    const { pubsub, timers, logger, metrics } = this.components
    const every = this.beatPeriod()
    metrics.beatPeriod(every)
    timers.clearTimeout(this.beatTimer)
    if (this.running) this.beatTimer = timers.setTimeout(() => void this.beat(), every)
    this.seq++
    try {
      const frame = encodeFrame({
        v: 1,
        kind: 'heartbeat',
        incarnation: this.incarnation,
        seq: this.seq,
        every,
      })
      const recipients = await pubsub.publish(HEARTBEAT_TOPIC, frame)
      metrics.published('heartbeat', 0)
      metrics.bytes('out', 'heartbeat', frame.byteLength * Math.max(1, recipients))
    } catch (err) {
      logger.debug({ err: (err as Error).message }, 'heartbeat publish failed')
    }
  }

  /**
   * The connection to `origin` closed and a redial failed (`refused`: the dial was refused, so
   * its process is gone): evidence, acted on at the next tick.
   */
  linkLost(origin: string, refused = false): void {
    this.apply(origin, { type: 'link-lost', refused })
  }

  /** Proof of life outside heartbeats (a direct exchange with the node itself). */
  heardFrom(origin: string): void {
    this.apply(origin, { type: 'ping-ok' })
  }

  get(origin: string): MemberStatus | undefined {
    const m = this.table.get(origin)
    return m === undefined ? undefined : toStatus(m)
  }

  /** Every known member except this agent. */
  members(): ReadonlyMap<string, MemberStatus> {
    const out = new Map<string, MemberStatus>()
    for (const [origin, m] of this.table) out.set(origin, toStatus(m))
    return out
  }

  /** One tick of the state machine (the timer calls it; tests may call it with a fake clock). */
  tick(): void {
    const { metrics, logger } = this.components
    const t = this.clock()
    const lateBy = this.expectedTickAt === 0 ? 0 : t - this.expectedTickAt
    metrics.timerLag(lateBy)
    if (lateBy > this.tickMs) {
      this.lastLagAt = t
      this.health.apply(1)
    }
    if (lateBy > this.maxTimerLagMs) {
      this.lastStallAt = t
      logger.warn(
        { lateByMs: lateBy },
        'membership timer fired late (this process stalled): not suspecting anyone',
      )
      for (const origin of [...this.table.keys()]) this.apply(origin, { type: 'rebase', stalledMs: lateBy })
    }
    const counts: Record<MemberState, number> = { alive: 0, suspect: 0, unreachable: 0, left: 0 }
    const tick = this.tickInput()
    for (const origin of [...this.table.keys()]) {
      this.apply(origin, tick)
      const m = this.table.get(origin) as Member
      counts[m.state]++
      if (needsProbe(m)) this.probe(origin, 'suspect')
    }
    metrics.members(counts)
    if (this.probeEveryMs > 0 && t >= this.nextProbeAt) {
      this.nextProbeAt = t + this.probeEveryMs
      const target = this.nextProbeTarget(t)
      if (target !== undefined) this.probe(target, 'routine')
    }
  }

  /** This agent and every member not left. */
  private fleetSize(): number {
    let members = 1
    for (const m of this.table.values()) if (m.state !== 'left') members++
    return members
  }

  /** A tick, with the fleet size that bounds confirmations and our own period (the guess for unheard members). */
  private tickInput(): MemberInput {
    const members = this.fleetSize()
    return { type: 'tick', members, every: this.beatPeriod(members) }
  }

  /** The next member of the shuffled round believed alive, connected, and not heard just now. */
  private nextProbeTarget(t: number): string | undefined {
    return this.round.next(this.table.keys(), (origin) => {
      const m = this.table.get(origin)
      if (m === undefined || m.state !== 'alive' || this.probing.has(origin)) return false
      if (t - m.lastHeard < this.probeEveryMs) return false
      return this.components.probe.isConnected?.(origin) !== false
    })
  }

  private scheduleTick(): void {
    const { timers } = this.components
    this.expectedTickAt = this.clock() + this.tickMs
    this.tickTimer = timers.setTimeout(() => {
      if (!this.running) return
      this.tick()
      this.scheduleTick()
    }, this.tickMs)
  }

  /**
   * Ping `origin` once (a suspect every tick, or the routine round). An unanswered ping makes
   * this agent accuse it, so that observers without a connection to it check too. A result that
   * arrives much later than the timeout means this process stalled meanwhile: it proves nothing.
   */
  private probe(origin: string, why: 'suspect' | 'routine'): void {
    if (this.probing.has(origin)) return
    this.probing.add(origin)
    const { probe, logger } = this.components
    const startedAt = this.clock()
    const timeoutMs = this.health.scale(this.pingTimeoutMs)
    const settle = (result: boolean | 'refused'): void => {
      if (!this.running) return
      const answered = result === true
      const refused = result === 'refused'
      // Our own stall since the ping began (seen by a late tick, or the tick overdue right now)
      // explains a missed answer; a merely slow dial does not.
      const t = this.clock()
      const stalled = this.lastStallAt >= startedAt || t - this.expectedTickAt > this.maxTimerLagMs
      if (!answered && !refused && stalled) {
        logger.debug({ origin, tookMs: t - startedAt }, 'probe outlived a stall of this process: ignored')
        return
      }
      logger.debug({ origin, answered, refused, why }, 'probed a member')
      if (answered) {
        this.health.apply(-1)
        this.failedPings.delete(origin)
        this.apply(origin, { type: 'ping-ok' })
        return
      }
      // A ping that ran out its whole timeout may be our own slowness; a refused one is not.
      if (t - startedAt >= timeoutMs) this.health.apply(1)
      const failed = (this.failedPings.get(origin) ?? 0) + 1
      this.failedPings.set(origin, failed)
      this.apply(origin, { type: why === 'routine' ? 'probe-failed' : 'ping-failed', refused })
      // Our failed ping may be the confirmation that ends the suspicion: judge it now.
      this.apply(origin, this.tickInput())
      const m = this.table.get(origin)
      if (m === undefined || (m.state !== 'suspect' && m.state !== 'unreachable')) return
      // Accuse on evidence that survives a busy moment: a lost link or a refused dial (the kernel
      // reset the connection, or nothing listens: our slowness cannot cause that), or a second unanswered
      // ping in a row while this process kept time (Lifeguard: the slow observer must not be the
      // one who raises the alarm on timeouts). On a loaded host nearly every agent runs late at
      // times; with the lost link also gated, a kill at N=50 found too few accusers.
      const recentlySlow = this.clock() - this.lastLagAt < 2 * this.pingTimeoutMs
      if (m.linkLost || m.refused || (failed >= 2 && !recentlySlow)) void this.accuse(origin, m.incarnation)
    }
    probe
      .ping(origin, timeoutMs)
      .then(settle, () => settle(false))
      .finally(() => this.probing.delete(origin))
  }

  /**
   * Tell the fleet this agent could not reach `origin` (once per unreachableAfter per
   * incarnation): observers that are not connected to it would otherwise wait for its silence,
   * which is long in a big fleet. They confirm with their own ping, and the accused, if alive,
   * refutes with a heartbeat.
   */
  private async accuse(origin: string, incarnation: number): Promise<void> {
    const { pubsub, logger, metrics } = this.components
    const key = `${origin}:${incarnation}`
    const t = this.clock()
    const last = this.accusedAt.get(key)
    if (last !== undefined && t - last < this.timing.unreachableAfterMs) return
    this.accusedAt.set(key, t)
    if (this.accusedAt.size > 4096) this.accusedAt.clear()
    try {
      const frame = encodeFrame({ v: 1, kind: 'suspect', origin, incarnation })
      const recipients = await pubsub.publish(HEARTBEAT_TOPIC, frame)
      metrics.published('suspect', 0)
      metrics.bytes('out', 'heartbeat', frame.byteLength * Math.max(1, recipients))
      logger.info({ origin, incarnation }, 'accused an unreachable member')
    } catch (err) {
      logger.debug({ err: (err as Error).message }, 'accusation publish failed')
    }
  }

  private validate(message: PubsubMessage): Verdict {
    const { metrics, logger } = this.components
    if (!this.limiter.take(message.from, this.clock())) {
      metrics.ignored('heartbeat-rate-limited')
      return 'ignore'
    }
    const decision = decideHeartbeat(message.data, message.from)
    if (decision.verdict === 'reject') {
      metrics.rejected(`heartbeat-${decision.reason}`)
      logger.warn(
        { origin: message.from, reason: decision.reason, detail: decision.detail },
        'heartbeat rejected',
      )
    } else if (decision.verdict === 'ignore') metrics.ignored(decision.reason)
    else this.decoded.set(message.data, decision.frame)
    return decision.verdict
  }

  private onHeartbeat(message: PubsubMessage): void {
    if (!this.running) return
    this.components.metrics.bytes('in', 'heartbeat', message.data.byteLength)
    let frame = this.decoded.get(message.data)
    if (frame === undefined) {
      const decision = decideHeartbeat(message.data, message.from)
      if (decision.verdict !== 'accept') return
      frame = decision.frame
    }
    if (frame.kind === 'heartbeat') {
      // A heartbeat clears the accusations we heard, even one sent just before a kill and delayed
      // in the mesh. Pinging on every such heartbeat is wrong (a refute is one too: every observer
      // pinged the refuter at once and it flapped); telling them apart needs the accuser's
      // last-heard seq in the accusation.
      this.apply(message.from, {
        type: 'heartbeat',
        incarnation: frame.incarnation,
        seq: frame.seq,
        every: frame.every,
      })
      return
    }
    if (frame.origin === this.self) {
      this.refute(message.from, frame.incarnation)
      return
    }
    this.components.metrics.accusation()
    // Our own accusation relayed back is not a second opinion.
    if (message.from === this.self) return
    this.apply(frame.origin, { type: 'accused', incarnation: frame.incarnation, from: message.from })
    // Check at once rather than at the next tick: the accused may be dead.
    this.apply(frame.origin, this.tickInput())
    const m = this.table.get(frame.origin)
    if (m !== undefined && needsProbe(m)) this.probe(frame.origin, 'suspect')
    else if (m?.state === 'alive' && frame.incarnation < m.incarnation)
      // The accuser knew an older life of the node (a restart it has not heard yet): no
      // confirmation, but worth one routine ping of our own, or a death right after a restart
      // would wait for silence alone. A failed ping makes it our suspect, and our own accusation
      // then carries the incarnation we know.
      this.probe(frame.origin, 'routine')
  }

  /** Someone could not reach this agent: beat now, so every observer hears it is alive. */
  private refute(accuser: string, incarnation: number): void {
    if (incarnation > this.incarnation) return
    const t = this.clock()
    // One refuting beat reaches everyone; more only spend the budget every observer's heartbeat
    // rate limit gives us. A node just restarted hears the accusations of its previous life from
    // up to every member, for seconds: refuting each (4 a second at lan timing) ran its
    // heartbeats into the limit at N=50, so observers missed the beat that announced its return.
    if (t - this.lastRefuteAt < Math.max(this.tickMs, REFUTE_SPACING_MS)) return
    this.lastRefuteAt = t
    // Being accused while alive hints that this agent is the slow one (Lifeguard).
    this.health.apply(1)
    this.components.logger.info({ accuser }, 'accused of being unreachable: refuting with a heartbeat')
    void this.beat()
  }

  private observeRecord(key: string, value: unknown): void {
    const parsed = parseKey(key)
    if (parsed === undefined || parsed.origin === this.self) return
    if (parsed.kind !== 'node') {
      if (!this.table.has(parsed.origin)) this.apply(parsed.origin, this.tickInput())
      return
    }
    const status = value === null ? 'left' : (value as NodeValue).status
    this.apply(parsed.origin, { type: status === 'left' ? 'record-left' : 'record-alive' })
  }

  private apply(origin: string, input: MemberInput): void {
    if (origin === this.self) return
    if (input.type === 'heartbeat' || input.type === 'ping-ok') this.failedPings.delete(origin)
    const t = this.clock()
    const previous = this.table.get(origin)
    const base = previous ?? newMember(t, input.type === 'record-left')
    const next = transition(base, input, t, this.timing)
    this.table.set(origin, next)
    if (previous === undefined || previous.state !== next.state) {
      // Why a member became suspect or unreachable: the evidence this observer had.
      const evidence =
        next.state === 'suspect' || next.state === 'unreachable'
          ? {
              refused: next.refused,
              linkLost: next.linkLost,
              pingFailed: next.pingFailed,
              accusers: next.accusers.length,
            }
          : {}
      this.components.logger.info(
        { origin, state: next.state, previous: previous?.state, reaped: next.reaped, ...evidence },
        'member state changed',
      )
      this.emit('member:change', {
        origin,
        state: next.state,
        previous: previous?.state,
        reaped: next.reaped,
      })
    }
  }
}

function toStatus(m: Member): MemberStatus {
  return { state: m.state, lastSeen: m.lastSeen, incarnation: m.incarnation, reaped: m.reaped }
}
