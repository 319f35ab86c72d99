import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import pino from 'pino'
import { isGrapevineError } from '../../../agent/errors.ts'
import { SchedulerChecksPort } from '../../../agent/health/checks-port-adapter.ts'
import type { CheckDefinition } from '../../../agent/health/definition.ts'
import { HealthScheduler } from '../../../agent/health/scheduler.ts'
import { FakeClock } from '../../helpers/fake-clock.ts'
import { FakeTimers } from './fake-timers.ts'

function setup(scriptChecksEnabled = false) {
  const clock = new FakeClock()
  const timers = new FakeTimers(clock)
  const scheduler = new HealthScheduler(
    { logger: pino({ level: 'silent' }), now: clock.now, timers, random: () => 0 },
    { scriptChecksEnabled },
  )
  return { clock, timers, scheduler, port: new SchedulerChecksPort(scheduler) }
}

const ttl = (id: string, extra: Partial<CheckDefinition> = {}): CheckDefinition => ({
  id,
  type: 'ttl',
  ttl: '10s',
  ...extra,
})

describe('SchedulerChecksPort (the registry port over the scheduler)', () => {
  it('validate lists every problem as "field: message"', () => {
    const { port } = setup()
    const problems = port.validate('web', [{ type: 'http' }, { type: 'exec', args: ['/bin/true'] }])
    assert.equal(problems.length, 2)
    assert.match(problems[0] ?? '', /^checks\[0\]\.url: required/)
    assert.match(problems[1] ?? '', /^checks\[1\]\.type: .*--enable-script-checks/)
    assert.deepEqual(port.validate('web', [ttl('a')]), [])
  })

  it('set, states, ttlCheckIds, report, remove', async () => {
    const { port, scheduler } = setup()
    const changed: string[] = []
    port.onChange((id) => changed.push(id))
    port.set('web', [ttl('hb', { name: 'Heartbeat' }), { id: 'p', type: 'tcp', target: '127.0.0.1:1' }])
    assert.deepEqual(port.ttlCheckIds('web'), ['hb'])
    const states = port.states('web')
    assert.deepEqual(
      states.map((s) => [s.id, s.name, s.type, s.status]),
      [
        ['hb', 'Heartbeat', 'ttl', 'critical'],
        ['p', 'p', 'tcp', 'critical'],
      ],
    )
    assert.deepEqual(states[0]?.definition, ttl('hb', { name: 'Heartbeat' }))
    assert.equal(port.report('hb', 'passing', 'ok'), true)
    assert.equal(port.report('p', 'passing'), false, 'not a ttl check')
    assert.equal(port.report('nope', 'passing'), false)
    assert.equal(port.states('web')[0]?.output, 'ok')
    assert.deepEqual(changed, ['web'])
    port.remove('web')
    assert.deepEqual(port.states('web'), [])
    assert.equal(scheduler.list().length, 0)
  })

  it('onDeregisterCritical passes the instance id', async () => {
    const { port, scheduler, timers } = setup()
    const gone: string[] = []
    port.onDeregisterCritical((id) => gone.push(id))
    port.set('web', [ttl('hb', { deregisterCriticalAfter: '1m' })])
    await scheduler.start()
    await timers.advance(10_000 + 60_000)
    assert.deepEqual(gone, ['web'])
    await scheduler.stop()
  })

  it('snapshot round-trips through JSON; a broken snapshot is STATE_CORRUPT', () => {
    const a = setup()
    a.port.set('web', [ttl('hb')])
    a.port.report('hb', 'warning', 'slow')
    const saved = JSON.parse(JSON.stringify(a.port.snapshot()))
    const b = setup()
    b.port.set('web', [ttl('hb')])
    b.port.restore(saved)
    assert.equal(b.port.states('web')[0]?.status, 'warning')
    assert.equal(b.port.states('web')[0]?.output, 'slow')
    assert.throws(
      () => b.port.restore({ v: 2, checks: 'x' }),
      (e: unknown) =>
        isGrapevineError(e) && e.code === 'STATE_CORRUPT' && /--reset-local-state/.test(e.message),
    )
  })
})
