import assert from 'node:assert/strict'
import net, { type AddressInfo } from 'node:net'
import { describe, it } from 'node:test'
import pino from 'pino'
import { Registry } from 'prom-client'
import { type CheckChangeEvent, HealthScheduler } from '../../agent/health/scheduler.ts'
import { waitFor } from '../helpers/wait-for.ts'
import { startHttpTarget } from './health-targets.ts'

async function resultCount(metrics: Registry, type: string, status: string): Promise<number> {
  const m = await metrics.getSingleMetric('grapevine_check_results_total')?.get()
  return m?.values.find((v) => v.labels.type === type && v.labels.status === status)?.value ?? 0
}

describe('HealthScheduler with real probes and timers', () => {
  it('a hanging HTTP check does not delay a TCP check; a closed listener turns critical', async () => {
    const http = await startHttpTarget()
    const sockets = new Set<net.Socket>()
    const tcp = net.createServer((s) => {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
    })
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r))
    const port = (tcp.address() as AddressInfo).port
    const metrics = new Registry()
    const scheduler = new HealthScheduler(
      { logger: pino({ level: 'silent' }), now: Date.now, metrics, random: () => 0 },
      { scriptChecksEnabled: false },
    )
    const changes: CheckChangeEvent[] = []
    scheduler.on('check:change', (e) => changes.push(e))
    try {
      scheduler.setChecks('web-1', [
        { id: 'slow', type: 'http', url: `${http.url}/slow`, interval: '10s', timeout: '5s' },
        { id: 'port', type: 'tcp', target: `127.0.0.1:${port}`, interval: '100ms', timeout: '100ms' },
      ])
      await scheduler.start()
      // While the slow check waits out its 5 s timeout, the TCP check keeps its 100 ms pace.
      await waitFor('10 TCP results', async () => (await resultCount(metrics, 'tcp', 'passing')) >= 10, {
        timeoutMs: 4_500,
      })
      assert.equal(await resultCount(metrics, 'http', 'critical'), 0, 'slow check still running')
      assert.equal(scheduler.get('port')?.status, 'passing')
      await waitFor(
        'the slow check to time out',
        () => scheduler.get('slow')?.output.includes('timed out after 5000 ms'),
        {
          timeoutMs: 8_000,
        },
      )
      assert.equal(scheduler.get('slow')?.status, 'critical')

      for (const s of sockets) s.destroy()
      await new Promise<void>((r) => tcp.close(() => r()))
      await waitFor('the TCP check to turn critical', () => scheduler.get('port')?.status === 'critical', {
        timeoutMs: 5_000,
      })
      const portChanges = changes.filter((c) => c.checkId === 'port').map((c) => c.status)
      assert.deepEqual(portChanges, ['passing', 'critical'], 'one event per change, none for repeats')
    } finally {
      await scheduler.stop()
      await http.close()
      for (const s of sockets) s.destroy()
      tcp.close()
    }
  })

  it('exec checks run only when the agent enables them', async () => {
    const off = new HealthScheduler(
      { logger: pino({ level: 'silent' }), now: Date.now },
      { scriptChecksEnabled: false },
    )
    assert.throws(() => off.setChecks('x', [{ type: 'exec', args: ['/bin/true'] }]), /--enable-script-checks/)
    const on = new HealthScheduler(
      { logger: pino({ level: 'silent' }), now: Date.now, random: () => 0 },
      { scriptChecksEnabled: true },
    )
    on.setChecks('x', [{ id: 'e', type: 'exec', args: ['/bin/sh', '-c', 'exit 1'], interval: '1s' }])
    await on.start()
    try {
      await waitFor('the exec check to report warning', () => on.get('e')?.status === 'warning', {
        timeoutMs: 5_000,
      })
    } finally {
      await on.stop()
    }
  })
})
