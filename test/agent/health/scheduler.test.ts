import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import pino from 'pino'
import { Registry } from 'prom-client'
import { isGrapevineError } from '../../../agent/errors.ts'
import type { CheckSpec } from '../../../agent/health/check-spec.ts'
import type { ProbeResult } from '../../../agent/health/probe.ts'
import {
  type CheckChangeEvent,
  type DeregisterCriticalEvent,
  HealthScheduler,
} from '../../../agent/health/scheduler.ts'
import type { CheckStatus } from '../../../crdt/schema.ts'
import { FakeClock } from '../../helpers/fake-clock.ts'
import { FakeTimers, settle } from './fake-timers.ts'

/** A scripted probe: answers from a per-check queue (or a default), counts calls, can hang. */
class ScriptedProbe {
  readonly calls: string[] = []
  readonly answers = new Map<string, CheckStatus>()
  readonly hang = new Set<string>()
  readonly running = new Map<string, number>()
  maxConcurrentPerCheck = 0

  readonly probe = (spec: CheckSpec, signal: AbortSignal): Promise<ProbeResult> => {
    this.calls.push(spec.id)
    const n = (this.running.get(spec.id) ?? 0) + 1
    this.running.set(spec.id, n)
    this.maxConcurrentPerCheck = Math.max(this.maxConcurrentPerCheck, n)
    const done = (): void => {
      this.running.set(spec.id, (this.running.get(spec.id) ?? 1) - 1)
    }
    if (this.hang.has(spec.id)) {
      // Ignores its signal on purpose: only the scheduler's guard can move on.
      return new Promise<ProbeResult>(() => {}).finally(done)
    }
    void signal
    done()
    const status = this.answers.get(spec.id) ?? 'passing'
    return Promise.resolve({ status, output: `${spec.id} is ${status}` })
  }
}

function setup(opts: { scriptChecksEnabled?: boolean; random?: () => number } = {}) {
  const clock = new FakeClock(1_000_000)
  const timers = new FakeTimers(clock)
  const scripted = new ScriptedProbe()
  const metrics = new Registry()
  const scheduler = new HealthScheduler(
    {
      logger: pino({ level: 'silent' }),
      now: clock.now,
      timers,
      random: opts.random ?? (() => 0),
      metrics,
      probes: { http: scripted.probe, tcp: scripted.probe, grpc: scripted.probe, exec: scripted.probe },
    },
    { scriptChecksEnabled: opts.scriptChecksEnabled ?? false },
  )
  const changes: CheckChangeEvent[] = []
  const deregs: DeregisterCriticalEvent[] = []
  scheduler.on('check:change', (e) => changes.push(e))
  scheduler.on('instance:deregister-critical', (e) => deregs.push(e))
  return { clock, timers, scripted, scheduler, changes, deregs, metrics }
}

const tcp = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  type: 'tcp',
  target: '127.0.0.1:1',
  interval: '1s',
  timeout: '500ms',
  ...extra,
})

describe('HealthScheduler', () => {
  it('runs each check on its interval and emits only on status change', async () => {
    const { timers, scripted, scheduler, changes } = setup()
    scheduler.setChecks('web-1', [tcp('a')])
    await scheduler.start()
    await timers.advance(0)
    assert.equal(changes.length, 1)
    assert.deepEqual(
      { ...changes[0], since: 0 },
      {
        instanceId: 'web-1',
        checkId: 'a',
        type: 'tcp',
        status: 'passing',
        previous: 'critical',
        output: 'a is passing',
        since: 0,
      },
    )
    await timers.advance(5_000)
    assert.equal(scripted.calls.length, 6, 'one run at start, then one per second')
    assert.equal(changes.length, 1, 'identical results emit nothing')
    scripted.answers.set('a', 'critical')
    await timers.advance(1_000)
    assert.deepEqual(
      changes.map((c) => c.status),
      ['passing', 'critical'],
    )
    await scheduler.stop()
  })

  it('spreads first runs with the injected random over one interval', async () => {
    const { timers, scripted, scheduler } = setup({ random: () => 0.5 })
    scheduler.setChecks('x', [tcp('a', { interval: '10s', timeout: '1s' })])
    await scheduler.start()
    await timers.advance(4_999)
    assert.equal(scripted.calls.length, 0)
    await timers.advance(1)
    assert.equal(scripted.calls.length, 1)
    await scheduler.stop()
  })

  it('a hanging probe never delays another check, and is not started twice', async () => {
    const { timers, scripted, scheduler, changes } = setup()
    scripted.hang.add('slow')
    scheduler.setChecks('x', [tcp('slow'), tcp('fast')])
    await scheduler.start()
    await timers.advance(0)
    assert.equal(scheduler.get('fast')?.status, 'passing', 'fast check done at once')
    assert.equal(scheduler.get('slow')?.status, 'critical')
    await timers.advance(10_000)
    const fast = scripted.calls.filter((c) => c === 'fast').length
    const slow = scripted.calls.filter((c) => c === 'slow').length
    assert.equal(fast, 11, 'fast ran every second while slow hung')
    assert.equal(slow, 1, 'the hung probe was never started again')
    assert.equal(scripted.maxConcurrentPerCheck, 1)
    assert.match(scheduler.get('slow')?.output ?? '', /did not finish within its timeout of 500ms/)
    assert.ok(!changes.some((c) => c.checkId === 'slow'), 'critical -> critical is not a change')
    await scheduler.stop()
  })

  it('applies hysteresis from the definition', async () => {
    const { timers, scripted, scheduler, changes } = setup()
    scheduler.setChecks('x', [tcp('a', { initialStatus: 'passing', failuresBeforeCritical: 3 })])
    scripted.answers.set('a', 'critical')
    await scheduler.start()
    await timers.advance(1_000)
    assert.equal(scheduler.get('a')?.status, 'passing', 'two failures: still passing')
    await timers.advance(1_000)
    assert.equal(scheduler.get('a')?.status, 'critical')
    assert.equal(changes.length, 1)
    await scheduler.stop()
  })

  it('add, replace and remove checks of an instance', async () => {
    const { timers, scripted, scheduler, changes } = setup()
    await scheduler.start()
    scheduler.setChecks('x', [tcp('a'), tcp('b')])
    await timers.advance(0)
    assert.deepEqual(
      scheduler.list('x').map((c) => [c.id, c.status]),
      [
        ['a', 'passing'],
        ['b', 'passing'],
      ],
    )
    // Same definitions again: nothing restarts, nothing changes.
    scheduler.setChecks('x', [tcp('a'), tcp('b')])
    assert.equal(scheduler.get('a')?.status, 'passing')
    // New options for a, b dropped, c added.
    scheduler.setChecks('x', [tcp('a', { interval: '2s' }), tcp('c')])
    assert.deepEqual(
      scheduler.list('x').map((c) => c.id),
      ['a', 'c'],
    )
    assert.equal(scheduler.get('a')?.status, 'passing', 'a changed options but keeps its status')
    assert.equal(scheduler.get('a')?.spec.intervalMs, 2_000)
    scripted.calls.length = 0
    await timers.advance(4_000)
    assert.ok(!scripted.calls.includes('b'), 'a removed check never runs again')
    assert.equal(scripted.calls.filter((c) => c === 'a').length, 3)
    assert.equal(scheduler.removeCheck('c'), true)
    assert.equal(scheduler.removeInstance('x'), 1)
    assert.equal(scheduler.list().length, 0)
    assert.equal(timers.pending, 0, 'no timers left behind')
    assert.ok(changes.every((c) => c.status === 'passing'))
    await scheduler.stop()
  })

  it('addCheck numbers ids and refuses ids of another instance', () => {
    const { scheduler } = setup()
    assert.equal(scheduler.addCheck('web', { type: 'ttl', ttl: '5s' }).id, 'web:1')
    assert.equal(scheduler.addCheck('web', { type: 'ttl', ttl: '5s' }).id, 'web:2')
    assert.throws(
      () => scheduler.setChecks('other', [{ id: 'web:1', type: 'ttl', ttl: '5s' }]),
      (e: unknown) => isGrapevineError(e) && e.code === 'CONFLICT',
    )
    assert.deepEqual(
      scheduler.validate('other', [{ id: 'web:1', type: 'ttl', ttl: '5s' }]).map((p) => p.field),
      ['checks[0].id'],
    )
  })

  it('refuses exec checks unless enabled, with SCRIPT_CHECKS_DISABLED naming the key and flag', () => {
    const { scheduler } = setup()
    assert.throws(
      () => scheduler.setChecks('x', [{ type: 'exec', args: ['/bin/true'] }]),
      (e: unknown) =>
        isGrapevineError(e) &&
        e.code === 'SCRIPT_CHECKS_DISABLED' &&
        e.statusCode === 403 &&
        /enableScriptChecks/.test(e.message) &&
        /--enable-script-checks/.test(e.message),
    )
    assert.equal(scheduler.list().length, 0)
    const enabled = setup({ scriptChecksEnabled: true }).scheduler
    assert.equal(enabled.setChecks('x', [{ type: 'exec', args: ['/bin/true'] }]).length, 1)
  })

  it('invalid definitions throw VALIDATION with every problem and change nothing', () => {
    const { scheduler } = setup()
    scheduler.setChecks('x', [tcp('a')])
    assert.throws(
      () => scheduler.setChecks('x', [{ type: 'http' }, { type: 'tcp', interval: 'x' }]),
      (e: unknown) =>
        isGrapevineError(e) &&
        e.code === 'VALIDATION' &&
        (e.details?.errors as unknown[] | undefined)?.length === 3,
    )
    assert.deepEqual(
      scheduler.list().map((c) => c.id),
      ['a'],
    )
  })

  it('TTL: a report shows at once, silence past the TTL turns critical (fake clock)', async () => {
    const { timers, scheduler, changes } = setup()
    scheduler.setChecks('x', [{ id: 't', type: 'ttl', ttl: '30s' }])
    await scheduler.start()
    assert.equal(scheduler.get('t')?.status, 'critical')
    await timers.advance(10_000)
    scheduler.reportTtl('t', 'pass', 'all good')
    assert.equal(scheduler.get('t')?.status, 'passing')
    assert.equal(scheduler.get('t')?.output, 'all good')
    await timers.advance(29_999)
    assert.equal(scheduler.get('t')?.status, 'passing')
    scheduler.reportTtl('x', 'warn', 'by instance id')
    assert.equal(scheduler.get('t')?.status, 'warning')
    await timers.advance(29_999)
    assert.equal(scheduler.get('t')?.status, 'warning')
    await timers.advance(1)
    assert.equal(scheduler.get('t')?.status, 'critical')
    assert.match(
      scheduler.get('t')?.output ?? '',
      /TTL expired: no status update within 30s \(last report 30s ago\)/,
    )
    assert.deepEqual(
      changes.map((c) => c.status),
      ['passing', 'warning', 'critical'],
    )
    assert.throws(
      () => scheduler.reportTtl('nope', 'pass'),
      (e: unknown) => isGrapevineError(e) && e.code === 'NOT_FOUND',
    )
    await scheduler.stop()
  })

  it('deregisterCriticalAfter emits once when a check has been critical that long', async () => {
    const { timers, scripted, scheduler, deregs } = setup()
    scripted.answers.set('a', 'critical')
    scheduler.setChecks('x', [tcp('a', { initialStatus: 'passing', deregisterCriticalAfter: '5s' })])
    await scheduler.start()
    await timers.advance(0)
    const since = scheduler.get('a')?.since
    await timers.advance(4_999)
    assert.equal(deregs.length, 0)
    await timers.advance(1)
    assert.deepEqual(deregs, [
      { instanceId: 'x', checkId: 'a', criticalSince: since, deregisterCriticalAfterMs: 5_000 },
    ])
    await timers.advance(20_000)
    assert.equal(deregs.length, 1, 'once per critical episode')
    // Recovery resets it.
    scripted.answers.set('a', 'passing')
    await timers.advance(1_000)
    scripted.answers.set('a', 'critical')
    await timers.advance(7_000)
    assert.equal(deregs.length, 2)
    await scheduler.stop()
  })

  it('a check that recovers before deregisterCriticalAfter is not reported', async () => {
    const { timers, scripted, scheduler, deregs } = setup()
    scripted.answers.set('a', 'critical')
    scheduler.setChecks('x', [tcp('a', { deregisterCriticalAfter: '3s' })])
    await scheduler.start()
    await timers.advance(1_500)
    scripted.answers.set('a', 'passing')
    await timers.advance(5_000)
    assert.equal(scheduler.get('a')?.status, 'passing')
    assert.equal(deregs.length, 0)
    await scheduler.stop()
  })

  it('snapshot and restore keep statuses, counters and TTL deadlines across a restart', async () => {
    const a = setup()
    a.scheduler.setChecks('x', [tcp('h', { failuresBeforeCritical: 3 }), { id: 't', type: 'ttl', ttl: '1m' }])
    a.scripted.answers.set('h', 'passing')
    await a.scheduler.start()
    await a.timers.advance(0)
    a.scripted.answers.set('h', 'critical')
    await a.timers.advance(1_000)
    a.scheduler.reportTtl('t', 'pass', 'fine')
    const snap = JSON.parse(JSON.stringify(a.scheduler.snapshot()))
    await a.scheduler.stop()
    assert.equal(snap.v, 1)
    const h = snap.checks.find((c: { id: string }) => c.id === 'h')
    assert.equal(h.status, 'passing')
    assert.equal(h.failures, 1)
    const t = snap.checks.find((c: { id: string }) => c.id === 't')
    assert.equal(t.ttlDeadline, a.clock.now() + 60_000)

    // "Restart": a new scheduler, restore first, then the registry re-adds the checks.
    const b = setup()
    b.clock.set(a.clock.now() + 10_000)
    assert.deepEqual(b.scheduler.restore(snap), { applied: 0, pending: 2 })
    b.scheduler.setChecks('x', [tcp('h', { failuresBeforeCritical: 3 }), { id: 't', type: 'ttl', ttl: '1m' }])
    assert.equal(b.scheduler.get('h')?.status, 'passing')
    assert.equal(b.scheduler.get('t')?.status, 'passing')
    assert.equal(b.scheduler.get('t')?.ttlDeadline, t.ttlDeadline)
    b.scripted.answers.set('h', 'critical')
    await b.scheduler.start()
    await b.timers.advance(1_000)
    assert.equal(b.scheduler.get('h')?.status, 'critical', 'failure counters carried over: 1 + 2 = 3')
    await b.timers.advance(48_999)
    assert.equal(b.scheduler.get('t')?.status, 'passing')
    await b.timers.advance(1)
    assert.equal(b.scheduler.get('t')?.status, 'critical', 'the restored deadline still holds')
    assert.equal(b.changes.filter((c) => c.checkId === 't').length, 1, 'restore itself emits nothing')
    await b.scheduler.stop()
  })

  it('restore after the checks exist applies at once; a TTL deadline already past expires on start', async () => {
    const { timers, scheduler, clock } = setup()
    scheduler.setChecks('x', [{ id: 't', type: 'ttl', ttl: '10s' }])
    const r = scheduler.restore({
      v: 1,
      at: clock.now(),
      checks: [
        {
          id: 't',
          instanceId: 'x',
          type: 'ttl',
          status: 'passing',
          output: 'ok',
          since: 0,
          successes: 1,
          failures: 0,
          ttlDeadline: clock.now() - 1,
        },
        {
          id: 'gone',
          instanceId: 'y',
          type: 'tcp',
          status: 'passing',
          output: '',
          since: 0,
          successes: 0,
          failures: 0,
        },
      ],
    })
    assert.deepEqual(r, { applied: 1, pending: 1 })
    assert.equal(scheduler.get('t')?.status, 'passing')
    await scheduler.start()
    await timers.advance(0)
    assert.equal(scheduler.get('t')?.status, 'critical')
    await scheduler.stop()
  })

  it('start and stop are idempotent; stop leaves no timers; metrics count results', async () => {
    const { timers, scheduler, metrics, scripted } = setup()
    await scheduler.stop()
    scheduler.setChecks('x', [
      tcp('a'),
      { id: 'h', type: 'http', url: 'http://127.0.0.1:1/', interval: '1s' },
    ])
    await scheduler.start()
    await scheduler.start()
    scripted.answers.set('h', 'warning')
    await timers.advance(2_000)
    await scheduler.stop()
    await scheduler.stop()
    assert.equal(timers.pending, 0)
    const calls = scripted.calls.length
    await timers.advance(5_000)
    assert.equal(scripted.calls.length, calls, 'nothing runs after stop')
    const text = await metrics.metrics()
    assert.match(text, /grapevine_check_results_total\{type="tcp",status="passing"\} 3/)
    assert.match(text, /grapevine_check_results_total\{type="http",status="warning"\} 3/)
    assert.match(text, /grapevine_check_probe_duration_seconds_count\{type="tcp"\} 3/)
    await settle()
  })
})
