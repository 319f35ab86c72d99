import type { CheckEntry } from './check-entry.ts'
import type { CheckSpec } from './check-spec.ts'
import { DueQueue } from './due-queue.ts'
import { formatDuration } from './duration.ts'
import type { HealthMetrics } from './health-metrics.ts'
import { errorText, type Probe, type ProbeResult } from './probe.ts'
import type { ProbeTable } from './probe-table.ts'
import type { Timers } from './timers.ts'

/**
 * Runs the probed checks (http, tcp, grpc, exec) of a HealthScheduler: one DueQueue (one timer)
 * for every check, a fixed rate per check, one run of a check at a time, and a last-resort guard
 * for a probe that ignores its own timeout. The guard is not a timer of its own: while a probe
 * runs, its check's slot in the queue is the moment the scheduler gives up on it.
 * The steady path (a run that ends in time) allocates one promise and its two callbacks.
 */
export interface CheckRunnerComponents {
  readonly timers: Timers
  readonly now: () => number
  readonly probes: ProbeTable
  readonly metrics?: HealthMetrics
}

export interface CheckRunnerInit {
  /** Extra time past a check's timeout before the runner stops waiting for its probe. */
  readonly graceMs: number
  /** Runs are due on multiples of this (ms): fewer wakeups, at most this much later. */
  readonly gridMs: number
  /** Every result of a current run, in order, once per run (the probe's or the guard's). */
  readonly onResult: (entry: CheckEntry, result: ProbeResult) => void
}

export class CheckRunner {
  private readonly now: () => number
  private readonly probes: ProbeTable
  private readonly metrics?: HealthMetrics
  private readonly init: CheckRunnerInit
  private readonly due: DueQueue<CheckEntry>
  /** Runs stop() waits for (a run given up on leaves this set, it may never settle). */
  private readonly inFlight = new Set<Promise<void>>()
  private running = false

  constructor(components: CheckRunnerComponents, init: CheckRunnerInit) {
    this.now = components.now
    this.probes = components.probes
    if (components.metrics !== undefined) this.metrics = components.metrics
    this.init = init
    this.due = new DueQueue(
      { timers: components.timers, now: components.now },
      { gridMs: init.gridMs, onDue: (entry) => this.onDue(entry) },
    )
  }

  start(): void {
    this.running = true
  }

  /** Stops every run; the returned promise settles once the running probes did (or after `waitMs`). */
  async stop(entries: Iterable<CheckEntry>, waitMs: number): Promise<void> {
    this.running = false
    this.due.clear()
    for (const entry of entries) this.abort(entry)
    let bound: NodeJS.Timeout | undefined
    await Promise.race([
      Promise.allSettled([...this.inFlight]),
      new Promise<void>((r) => {
        bound = setTimeout(r, waitMs)
        bound.unref()
      }),
    ])
    clearTimeout(bound)
  }

  /** Next run of a probed check `delayMs` from now. */
  schedule(entry: CheckEntry, delayMs: number): void {
    if (!this.running || entry.spec.type === 'ttl') return
    this.next(entry, this.now() + delayMs)
  }

  /** Queues the next run for `at`; the queue may wake up to one grid step later, the rate keeps to `at`. */
  private next(entry: CheckEntry, at: number): void {
    entry.run.nextAt = at
    this.due.schedule(entry, at)
  }

  /** No more runs of this entry until scheduled again; a running probe is told to stop. */
  cancel(entry: CheckEntry): void {
    this.due.cancel(entry)
    this.abort(entry)
  }

  /** The clock time the next run (or, while a probe runs, the give-up) is due; for tests and views. */
  dueAt(entry: CheckEntry): number | undefined {
    return this.due.dueAt(entry)
  }

  private abort(entry: CheckEntry): void {
    entry.abort?.abort()
    entry.abort = undefined
  }

  private onDue(entry: CheckEntry): void {
    if (!this.running || entry.removed || entry.spec.type === 'ttl') return
    const spec = entry.spec
    const now = this.now()
    if (entry.inFlight !== undefined) {
      if (!entry.run.gaveUp && now >= entry.run.giveUpAt) this.giveUp(entry, now)
      // Still running (given up on or not): never a second run of the same check.
      else if (entry.run.gaveUp) this.next(entry, now + spec.intervalMs)
      else this.due.schedule(entry, entry.run.giveUpAt)
      return
    }
    // Runs keep to a fixed rate from when they were due (grid and timer lateness are made up,
    // up to half an interval).
    const run = entry.run
    const started = Math.max(run.nextAt, now - spec.intervalMs / 2)
    run.started = started
    run.giveUpAt = now + spec.timeoutMs + this.init.graceMs
    run.gaveUp = false
    run.generation = entry.generation
    run.t0 = performance.now()
    if (entry.abort === undefined) entry.abort = new AbortController()
    const probe = this.probes[spec.type as Exclude<CheckSpec['type'], 'ttl'>] as Probe<CheckSpec>
    let pending: Promise<ProbeResult>
    try {
      pending = probe(spec, entry.abort.signal)
    } catch (e) {
      pending = Promise.reject(e)
    }
    const settled: Promise<void> = pending.then(
      (result) => this.settle(entry, settled, result),
      (e: unknown) =>
        this.settle(entry, settled, { status: 'critical', output: `check failed: ${errorText(e)}` }),
    )
    entry.inFlight = settled
    this.inFlight.add(settled)
    this.due.schedule(entry, run.giveUpAt)
  }

  private settle(entry: CheckEntry, settled: Promise<void>, result: ProbeResult): void {
    this.inFlight.delete(settled)
    if (entry.inFlight === settled) entry.inFlight = undefined
    const run = entry.run
    if (run.gaveUp || !this.running || entry.removed || entry.generation !== run.generation) return
    this.metrics?.duration.observe({ type: entry.spec.type }, (performance.now() - run.t0) / 1000)
    this.init.onResult(entry, result)
    this.next(entry, Math.max(this.now(), run.started + entry.spec.intervalMs))
  }

  /** The probe ignored its timeout: report it critical, tell it to stop, keep the rate. */
  private giveUp(entry: CheckEntry, now: number): void {
    const run = entry.run
    run.gaveUp = true
    this.abort(entry)
    // stop() does not wait for it, but it still blocks a second run of this check.
    if (entry.inFlight !== undefined) this.inFlight.delete(entry.inFlight)
    if (entry.generation === run.generation) {
      this.init.onResult(entry, {
        status: 'critical',
        output: `check did not finish within its timeout of ${formatDuration(entry.spec.timeoutMs)}`,
      })
    }
    this.next(entry, Math.max(now, run.started + entry.spec.intervalMs))
  }
}
