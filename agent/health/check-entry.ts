import type { CheckStatus } from '../../crdt/schema.ts'
import { GrapevineError } from '../errors.ts'
import type { CheckSpec } from './check-spec.ts'
import type { CheckDefinition, CheckType } from './definition.ts'
import type { CheckStateSnapshot } from './snapshot.ts'
import { type CheckState, initialCheckState } from './transition.ts'
import { type TtlState, ttlStart } from './ttl.ts'
import type { CheckProblem } from './validate-check.ts'

/** A check as the agent shows it locally. */
export interface CheckView {
  readonly id: string
  readonly instanceId: string
  readonly name: string
  readonly type: CheckType
  readonly status: CheckStatus
  readonly output: string
  /** Clock time of the last status change. */
  readonly since: number
  readonly spec: CheckSpec
  /** The definition as it was given. */
  readonly definition: CheckDefinition
  /** TTL checks: clock time after which silence turns the check critical. */
  readonly ttlDeadline?: number
}

/** The current (or last) probe run of a check, reused from run to run (see check-runner.ts). */
export interface RunState {
  /** Clock time the next run is due (the queue wakes for it up to one grid step later). */
  nextAt: number
  /** Clock time the run was due (the fixed-rate base for the next one). */
  started: number
  /** Clock time the runner stops waiting for the probe. */
  giveUpAt: number
  gaveUp: boolean
  /** The entry's generation when the run started: a result of an older one is dropped. */
  generation: number
  /** performance.now() at the start, for the duration metric. */
  t0: number
}

/** The scheduler's mutable record of one check (internal to agent/health). */
export interface CheckEntry {
  readonly instanceId: string
  spec: CheckSpec
  definition: CheckDefinition
  state: CheckState
  ttl: TtlState | undefined
  /** TTL checks: the expiry timer (probed checks are queued by the CheckRunner instead). */
  timer?: unknown
  deregTimer?: unknown
  deregNotified: boolean
  /** Bumped on replace/remove: a probe result of an older generation is dropped. */
  generation: number
  /** The running probe, until it settles (even after its result was given up on). */
  inFlight?: Promise<void>
  /** The signal given to the probe; kept across runs until it is used to stop one. */
  abort?: AbortController
  readonly run: RunState
  removed: boolean
}

export function newEntry(
  instanceId: string,
  spec: CheckSpec,
  definition: CheckDefinition,
  now: number,
): CheckEntry {
  return {
    instanceId,
    spec,
    definition,
    state: initialCheckState(spec.initialStatus, now),
    ttl: spec.type === 'ttl' ? ttlStart(spec, now) : undefined,
    deregNotified: false,
    generation: 0,
    run: { nextAt: 0, started: 0, giveUpAt: 0, gaveUp: false, generation: 0, t0: 0 },
    removed: false,
  }
}

export function entryView(e: CheckEntry): CheckView {
  return {
    id: e.spec.id,
    instanceId: e.instanceId,
    name: e.spec.name,
    type: e.spec.type,
    status: e.state.status,
    output: e.state.output,
    since: e.state.since,
    spec: e.spec,
    definition: e.definition,
    ...(e.ttl !== undefined ? { ttlDeadline: e.ttl.deadline } : {}),
  }
}

export function entrySnapshot(e: CheckEntry): CheckStateSnapshot {
  return {
    id: e.spec.id,
    instanceId: e.instanceId,
    type: e.spec.type,
    status: e.state.status,
    output: e.state.output,
    since: e.state.since,
    successes: e.state.successes,
    failures: e.state.failures,
    ...(e.ttl !== undefined ? { ttlDeadline: e.ttl.deadline } : {}),
    ...(e.ttl?.lastReport !== undefined ? { ttlLastReport: e.ttl.lastReport } : {}),
  }
}

/** True when a saved state belongs to this check (same id, instance and type). */
export function snapshotFits(e: CheckEntry, s: CheckStateSnapshot): boolean {
  return e.spec.id === s.id && e.instanceId === s.instanceId && e.spec.type === s.type
}

/** Puts a saved state (status, output, counters, TTL deadline) back into an entry. */
export function seedEntry(e: CheckEntry, s: CheckStateSnapshot): void {
  e.state = {
    status: s.status,
    output: s.output,
    since: s.since,
    successes: s.successes,
    failures: s.failures,
  }
  if (e.spec.type === 'ttl' && s.ttlDeadline !== undefined) {
    e.ttl = {
      deadline: s.ttlDeadline,
      ...(s.ttlLastReport !== undefined ? { lastReport: s.ttlLastReport } : {}),
    }
  }
  e.deregNotified = false
}

/** Takes a new spec for an existing check: same type keeps what it shows (no flap), another type starts over. */
export function replaceSpec(e: CheckEntry, spec: CheckSpec, definition: CheckDefinition, now: number): void {
  e.generation++
  e.definition = definition
  if (e.spec.type === spec.type) {
    e.state = { ...e.state, successes: 0, failures: 0 }
    if (spec.type === 'ttl' && e.ttl !== undefined && e.spec.type === 'ttl' && e.spec.ttlMs !== spec.ttlMs) {
      e.ttl = { ...e.ttl, deadline: (e.ttl.lastReport ?? now) + spec.ttlMs }
    }
    e.spec = spec
    return
  }
  e.spec = spec
  e.state = initialCheckState(spec.initialStatus, now)
  e.ttl = spec.type === 'ttl' ? ttlStart(spec, now) : undefined
  e.deregNotified = false
}

/** Check ids are unique on an agent: throws CONFLICT when another instance has this one. */
export function assertCheckOwner(
  entries: ReadonlyMap<string, CheckEntry>,
  checkId: string,
  instanceId: string,
): void {
  const owner = entries.get(checkId)?.instanceId
  if (owner !== undefined && owner !== instanceId) {
    throw new GrapevineError(
      'CONFLICT',
      `check id ${JSON.stringify(checkId)} already belongs to instance ${JSON.stringify(owner)}; ` +
        'check ids are unique on an agent, choose another id',
    )
  }
}

/** The check a TTL report is for: by check id, or by instance id when it has exactly one TTL check. */
export function findTtlEntry(entries: ReadonlyMap<string, CheckEntry>, id: string): CheckEntry {
  const direct = entries.get(id)
  if (direct !== undefined) {
    if (direct.spec.type !== 'ttl') {
      throw new GrapevineError(
        'BAD_REQUEST',
        `check ${JSON.stringify(id)} is a ${direct.spec.type} check, not ttl; only ttl checks take reports`,
      )
    }
    return direct
  }
  const ttls = [...entries.values()].filter((e) => e.instanceId === id && e.spec.type === 'ttl')
  if (ttls.length === 1) return ttls[0] as CheckEntry
  if (ttls.length > 1) {
    throw new GrapevineError(
      'BAD_REQUEST',
      `instance ${JSON.stringify(id)} has ${ttls.length} ttl checks; report by check id`,
    )
  }
  throw new GrapevineError(
    'NOT_FOUND',
    `no ttl check and no instance with a ttl check has id ${JSON.stringify(id)}`,
  )
}

/** Problems for check ids another instance already has (check ids are unique on an agent). */
export function idClashes(
  entries: ReadonlyMap<string, CheckEntry>,
  instanceId: string,
  specs: readonly CheckSpec[],
): CheckProblem[] {
  const problems: CheckProblem[] = []
  specs.forEach((spec, i) => {
    const owner = entries.get(spec.id)?.instanceId
    if (owner !== undefined && owner !== instanceId) {
      const message = `check id ${JSON.stringify(spec.id)} is taken by instance ${JSON.stringify(owner)}; choose another id`
      problems.push({ field: `checks[${i}].id`, message, code: 'VALIDATION' })
    }
  })
  return problems
}
