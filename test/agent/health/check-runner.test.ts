import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import pino from 'pino'
import type { CheckSpec } from '../../../agent/health/check-spec.ts'
import type { ProbeResult } from '../../../agent/health/probe.ts'
import { HealthScheduler } from '../../../agent/health/scheduler.ts'
import { FakeClock } from '../../helpers/fake-clock.ts'
import { seededRandom } from '../../helpers/prng.ts'
import { FakeTimers } from './fake-timers.ts'

/** The run loop (agent/health/check-runner.ts), driven through the scheduler with fake time. */
function setup(probe: (spec: CheckSpec, signal: AbortSignal) => Promise<ProbeResult>, random = () => 0) {
  const clock = new FakeClock(1_000_000)
  const timers = new FakeTimers(clock)
  const scheduler = new HealthScheduler(
    {
      logger: pino({ level: 'silent' }),
      now: clock.now,
      timers,
      random,
      probes: { http: probe, tcp: probe, grpc: probe, exec: probe },
    },
    { scriptChecksEnabled: false },
  )
  return { clock, timers, scheduler }
}

const tcp = (id: string, interval: string, timeout = '100ms') => ({
  id,
  type: 'tcp',
  target: '127.0.0.1:1',
  interval,
  timeout,
})

describe('CheckRunner', () => {
  it('one timer drives every probed check, spread over the interval', async () => {
    const runs = new Map<string, number[]>()
    const { clock, timers, scheduler } = setup((spec) => {
      runs.set(spec.id, [...(runs.get(spec.id) ?? []), clock.now()])
      return Promise.resolve({ status: 'passing', output: 'ok' })
    }, seededRandom(7))
    for (let i = 0; i < 200; i++) scheduler.setChecks(`svc-${i}`, [tcp(`c${i}`, '1s')])
    await scheduler.start()
    assert.equal(timers.pending, 1, 'one timer, not one per check')
    await timers.advance(10_000)
    assert.ok(timers.pending <= 1)
    const firsts = [...runs.values()].map((r) => (r[0] as number) - 1_000_000)
    assert.equal(firsts.length, 200)
    // Spread: first runs land in many different 100 ms slots of the first second.
    assert.ok(new Set(firsts.map((t) => Math.floor(t / 100))).size >= 8)
    for (const [id, r] of runs) assert.ok(r.length >= 10 && r.length <= 11, `${id} ran ${r.length} times`)
    await scheduler.stop()
    assert.equal(timers.pending, 0)
  })

  it('keeps the exact rate of an interval that is not a multiple of the grid', async () => {
    let n = 0
    const { timers, scheduler } = setup(() => {
      n++
      return Promise.resolve({ status: 'passing', output: 'ok' })
    })
    scheduler.setChecks('x', [tcp('a', '150ms')])
    await scheduler.start()
    await timers.advance(2_999)
    // Due at 0, 150, ..., 2850: 20 runs (a run rounded up to the grid each time would make 15).
    assert.equal(n, 20)
    await scheduler.stop()
  })

  it('gives up on a probe that ignores its timeout one grace second later, at the grid', async () => {
    let calls = 0
    const { timers, scheduler } = setup(() => {
      calls++
      return new Promise<ProbeResult>(() => {})
    })
    scheduler.setChecks('x', [{ ...tcp('a', '10s', '2s'), initialStatus: 'passing' }])
    await scheduler.start()
    await timers.advance(2_999)
    assert.equal(scheduler.get('a')?.status, 'passing', 'still waiting within timeout + grace')
    await timers.advance(1)
    assert.equal(scheduler.get('a')?.status, 'critical')
    assert.match(scheduler.get('a')?.output ?? '', /did not finish within its timeout of 2s/)
    await timers.advance(30_000)
    assert.equal(calls, 1, 'never a second run while the first one hangs')
    await scheduler.stop()
  })

  it('reuses one abort signal across runs and aborts it on stop', async () => {
    const signals = new Set<AbortSignal>()
    let last: AbortSignal | undefined
    const { timers, scheduler } = setup((_spec, signal) => {
      signals.add(signal)
      last = signal
      return Promise.resolve({ status: 'passing', output: 'ok' })
    })
    scheduler.setChecks('x', [tcp('a', '1s')])
    await scheduler.start()
    await timers.advance(5_000)
    assert.equal(signals.size, 1)
    await scheduler.stop()
    assert.equal(last?.aborted, true)
  })
})
