import { EventEmitter } from 'node:events'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import type { CheckStatus } from '../../crdt/schema.ts'
import { GrapevineError } from '../errors.ts'
import {
  assertCheckOwner,
  type CheckEntry,
  type CheckView,
  entrySnapshot,
  entryView,
  findTtlEntry,
  idClashes,
  newEntry,
  replaceSpec,
  seedEntry,
  snapshotFits,
} from './check-entry.ts'
import { CheckRunner } from './check-runner.ts'
import { type CheckSpec, OUTPUT_MAX_BYTES } from './check-spec.ts'
import type { CheckDefinition } from './definition.ts'
import { armDeregister } from './deregister-timer.ts'
import { formatDuration } from './duration.ts'
import type { HealthSchedulerEvents } from './health-events.ts'
import { createHealthMetrics, type HealthMetrics } from './health-metrics.ts'
import { type ProbeResult, truncateOutput } from './probe.ts'
import { defaultProbes, type ProbeTable } from './probe-table.ts'
import type { CheckStateSnapshot, HealthSnapshot } from './snapshot.ts'
import { realTimers, type Timers } from './timers.ts'
import { transition } from './transition.ts'
import { type TtlReportStatus, ttlExpiry, ttlReport } from './ttl.ts'
import { type CheckProblem, checkProblemsToError, validateCheck, validateChecks } from './validate-check.ts'

export type { CheckView } from './check-entry.ts'
export type { CheckChangeEvent, DeregisterCriticalEvent, HealthSchedulerEvents } from './health-events.ts'

/**
 * Runs the checks of this host's instances. One timer drives every probed check (check-runner.ts;
 * the first run at a random point within one interval, so checks spread out), each probe is
 * independent and bounded by its timeout, and a check never runs twice at once. Emits
 * `check:change` only when a check's shown status changes (a result that changes nothing costs
 * one comparison: no event, no log line, no catalog work), and `instance:deregister-critical`
 * once a check with `deregisterCriticalAfter` has been critical that long.
 */
export interface HealthSchedulerComponents {
  readonly logger: Logger
  readonly now: () => number
  readonly metrics?: Registry
  /** [0, 1): spreads first runs. Default Math.random. */
  readonly random?: () => number
  /** Default: real (unref'd) timers. Tests pass fakes driven with the fake clock. */
  readonly timers?: Timers
  /** Replace probes (tests). */
  readonly probes?: Partial<ProbeTable>
}

export interface HealthSchedulerInit {
  /** Agent config `enableScriptChecks` (flag `--enable-script-checks`); default off. */
  readonly scriptChecksEnabled: boolean
}

/** Extra time past a check's timeout before the scheduler stops waiting for a probe that ignores it. */
const GUARD_GRACE_MS = 1_000
/**
 * The scheduler wakes on multiples of this (ms), running every check due by then: at most ten
 * wakeups a second however many checks there are, and the connections of one wakeup are handled
 * together. Each run is at most this late; the rate of every check stays exact (the next run is
 * due one interval after the last was due, not after it ran). 100 ms is the shortest interval.
 * Measured with 500 checks a second (docs/health-checks.md, Cost): a 10 ms grid cost 15-18% of
 * a core, 50 ms 9-10%, 100 ms 8%.
 */
export const SCHEDULE_GRID_MS = 100
/** The longest stop() waits for running probes after aborting them. */
const STOP_WAIT_MS = 2_000

export class HealthScheduler extends EventEmitter<HealthSchedulerEvents> {
  private readonly log: Logger
  private readonly now: () => number
  private readonly random: () => number
  private readonly timers: Timers
  private readonly runner: CheckRunner
  private readonly metrics?: HealthMetrics
  private readonly init: HealthSchedulerInit
  private readonly entries = new Map<string, CheckEntry>()
  private readonly pendingRestore = new Map<string, CheckStateSnapshot>()
  private running = false

  constructor(components: HealthSchedulerComponents, init: HealthSchedulerInit) {
    super()
    this.log = components.logger.child({ component: 'health' })
    this.now = components.now
    this.random = components.random ?? Math.random
    this.timers = components.timers ?? realTimers()
    if (components.metrics !== undefined) this.metrics = createHealthMetrics(components.metrics)
    this.runner = new CheckRunner(
      {
        timers: this.timers,
        now: this.now,
        probes: { ...defaultProbes(), ...components.probes },
        ...(this.metrics !== undefined ? { metrics: this.metrics } : {}),
      },
      { graceMs: GUARD_GRACE_MS, gridMs: SCHEDULE_GRID_MS, onResult: (entry, r) => this.apply(entry, r) },
    )
    this.init = init
  }

  async start(): Promise<void> {
    if (this.running) return
    this.running = true
    this.runner.start()
    for (const entry of this.entries.values()) this.arm(entry, true)
    this.log.info({ checks: this.entries.size }, 'health checks started')
  }

  async stop(): Promise<void> {
    if (!this.running) return
    this.running = false
    for (const entry of this.entries.values()) this.disarm(entry)
    // Aborted probes settle at once; wait a bounded time for any that ignore their signal.
    await this.runner.stop(this.entries.values(), STOP_WAIT_MS)
    this.log.info('health checks stopped')
  }

  /** Every problem with an instance's check definitions (fields, script checks, id clashes); [] when valid. */
  validate(instanceId: string, definitions: readonly unknown[]): CheckProblem[] {
    const r = validateChecks(definitions, { instanceId, scriptChecksEnabled: this.init.scriptChecksEnabled })
    if (!r.ok) return r.error
    return idClashes(this.entries, instanceId, r.value)
  }

  /**
   * Sets all checks of one instance (add, replace, remove). All-or-nothing: throws
   * `VALIDATION`, `SCRIPT_CHECKS_DISABLED` (every problem in `details.errors`) or `CONFLICT`.
   * A check kept with the same id and type keeps its status (no flap on re-registration).
   */
  setChecks(instanceId: string, definitions: readonly unknown[]): CheckView[] {
    const r = validateChecks(definitions, {
      instanceId,
      scriptChecksEnabled: this.init.scriptChecksEnabled,
    })
    if (!r.ok) throw checkProblemsToError(r.error)
    for (const spec of r.value) assertCheckOwner(this.entries, spec.id, instanceId)
    const keep = new Set(r.value.map((s) => s.id))
    for (const entry of [...this.entries.values()]) {
      if (entry.instanceId === instanceId && !keep.has(entry.spec.id)) this.removeEntry(entry)
    }
    return r.value.map((spec, i) => this.put(instanceId, spec, definitions[i] as CheckDefinition))
  }

  /** Adds or replaces one check of an instance (id default `<instanceId>:<n>`). Throws like setChecks. */
  addCheck(instanceId: string, definition: unknown): CheckView {
    let n = 1
    while (this.entries.has(`${instanceId}:${n}`)) n++
    const r = validateCheck(definition, {
      scriptChecksEnabled: this.init.scriptChecksEnabled,
      defaultId: `${instanceId}:${n}`,
    })
    if (!r.ok) throw checkProblemsToError(r.error)
    assertCheckOwner(this.entries, r.value.id, instanceId)
    return this.put(instanceId, r.value, definition as CheckDefinition)
  }

  removeCheck(checkId: string): boolean {
    const entry = this.entries.get(checkId)
    if (entry === undefined) return false
    this.removeEntry(entry)
    return true
  }

  /** Removes every check of an instance; returns how many. */
  removeInstance(instanceId: string): number {
    let n = 0
    for (const entry of [...this.entries.values()]) {
      if (entry.instanceId === instanceId) {
        this.removeEntry(entry)
        n++
      }
    }
    return n
  }

  /**
   * A TTL report, by check id or by instance id (when the instance has exactly one TTL check).
   * Status `pass|warn|fail` or `passing|warning|critical`; the note becomes the output.
   * Throws `NOT_FOUND` or `BAD_REQUEST`.
   */
  reportTtl(id: string, status: TtlReportStatus, note?: string): CheckView {
    const entry = findTtlEntry(this.entries, id)
    if (entry.spec.type !== 'ttl') throw new GrapevineError('BAD_REQUEST', 'not a ttl check')
    if (!['pass', 'warn', 'fail', 'passing', 'warning', 'critical'].includes(status)) {
      throw new GrapevineError(
        'BAD_REQUEST',
        `status must be pass, warn or fail, got ${JSON.stringify(status)}`,
      )
    }
    const text = note === undefined ? undefined : truncateOutput(note, OUTPUT_MAX_BYTES)
    const { result, ttl } = ttlReport(entry.spec, status, text, this.now())
    entry.ttl = ttl
    this.apply(entry, result)
    this.scheduleTtl(entry)
    return entryView(entry)
  }

  get(checkId: string): CheckView | undefined {
    const entry = this.entries.get(checkId)
    return entry === undefined ? undefined : entryView(entry)
  }

  /** All checks, or one instance's, in the order they were added. */
  list(instanceId?: string): CheckView[] {
    const out: CheckView[] = []
    for (const e of this.entries.values())
      if (instanceId === undefined || e.instanceId === instanceId) out.push(entryView(e))
    return out
  }

  /** The shown statuses of an instance's checks (feed to aggregateHealth). */
  statuses(instanceId: string): CheckStatus[] {
    return this.list(instanceId).map((c) => c.status)
  }

  /** Every check's state, JSON-safe, for persistence. */
  snapshot(): HealthSnapshot {
    return { v: 1, at: this.now(), checks: [...this.entries.values()].map(entrySnapshot) }
  }

  /**
   * Takes states back after a restart. A state applies to a check with the same id, instance
   * and type, whether it exists now or is added later; no events are emitted for it.
   */
  restore(snapshot: HealthSnapshot): { applied: number; pending: number } {
    let applied = 0
    for (const s of snapshot.checks) {
      const entry = this.entries.get(s.id)
      if (entry !== undefined && snapshotFits(entry, s)) {
        seedEntry(entry, s)
        if (this.running) this.arm(entry, false)
        applied++
      } else this.pendingRestore.set(s.id, s)
    }
    return { applied, pending: this.pendingRestore.size }
  }

  private put(instanceId: string, spec: CheckSpec, definition: CheckDefinition): CheckView {
    const old = this.entries.get(spec.id)
    if (old !== undefined) {
      if (JSON.stringify(old.spec) === JSON.stringify(spec)) return entryView(old)
      this.disarm(old)
      replaceSpec(old, spec, definition, this.now())
      if (this.running) this.arm(old, true)
      return entryView(old)
    }
    const entry = newEntry(instanceId, spec, definition, this.now())
    const restored = this.pendingRestore.get(spec.id)
    if (restored !== undefined && snapshotFits(entry, restored)) {
      seedEntry(entry, restored)
      this.pendingRestore.delete(spec.id)
    }
    this.entries.set(spec.id, entry)
    if (this.running) this.arm(entry, true)
    return entryView(entry)
  }

  private removeEntry(entry: CheckEntry): void {
    this.disarm(entry)
    entry.removed = true
    entry.generation++
    this.entries.delete(entry.spec.id)
  }

  /** Starts an entry's timers: the probe (first run jittered) or the TTL deadline, and deregistration. */
  private arm(entry: CheckEntry, jitter: boolean): void {
    this.disarm(entry)
    if (entry.spec.type === 'ttl') this.scheduleTtl(entry)
    else this.runner.schedule(entry, jitter ? Math.floor(this.random() * entry.spec.intervalMs) : 0)
    this.armDeregister(entry)
  }

  private disarm(entry: CheckEntry): void {
    if (entry.timer !== undefined) this.timers.clearTimeout(entry.timer)
    if (entry.deregTimer !== undefined) this.timers.clearTimeout(entry.deregTimer)
    entry.timer = undefined
    entry.deregTimer = undefined
    this.runner.cancel(entry)
  }

  private scheduleTtl(entry: CheckEntry): void {
    if (entry.timer !== undefined) this.timers.clearTimeout(entry.timer)
    entry.timer = undefined
    if (!this.running || entry.ttl === undefined) return
    const delay = Math.max(0, entry.ttl.deadline - this.now())
    entry.timer = this.timers.setTimeout(() => {
      entry.timer = undefined
      if (entry.removed || entry.spec.type !== 'ttl' || entry.ttl === undefined) return
      const result = ttlExpiry(entry.spec, entry.ttl, this.now())
      if (result === undefined) this.scheduleTtl(entry)
      else this.apply(entry, result)
    }, delay)
  }

  private apply(entry: CheckEntry, result: ProbeResult): void {
    const spec = entry.spec
    this.metrics?.results.inc({ type: spec.type, status: result.status })
    const previous = entry.state.status
    const { state, changed } = transition(entry.state, result, spec, this.now())
    entry.state = state
    if (changed) {
      this.metrics?.changes.inc({ type: spec.type, status: state.status })
      this.log.info(
        {
          instanceId: entry.instanceId,
          checkId: spec.id,
          status: state.status,
          previous,
          output: truncateOutput(state.output, 256),
        },
        'check status changed',
      )
      this.emit('check:change', {
        instanceId: entry.instanceId,
        checkId: spec.id,
        type: spec.type,
        status: state.status,
        previous,
        output: state.output,
        since: state.since,
      })
    } else if (this.log.isLevelEnabled('debug')) {
      this.log.debug({ checkId: spec.id, status: result.status }, 'check result')
    }
    if (spec.deregisterCriticalAfterMs !== undefined) this.armDeregister(entry)
  }

  private armDeregister(entry: CheckEntry): void {
    if (!this.running) return
    armDeregister(entry, {
      timers: this.timers,
      now: this.now,
      onExpired: (after) => {
        const { instanceId } = entry
        const checkId = entry.spec.id
        this.log.warn(
          { instanceId, checkId, after: formatDuration(after) },
          'critical past deregisterCriticalAfter',
        )
        this.emit('instance:deregister-critical', {
          instanceId,
          checkId,
          criticalSince: entry.state.since,
          deregisterCriticalAfterMs: after,
        })
      },
    })
  }
}
