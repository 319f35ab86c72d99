import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { pino } from 'pino'
import { Agent } from '../../agent/agent.ts'
import { loadConfig } from '../../agent/config/load.ts'
import { waitFor } from '../helpers/wait-for.ts'

/**
 * X-Consul-Index never goes back across a restart, even when the machine's clock does: the
 * agent restarts on the same data dir with its clock stepped back two minutes, and every Consul
 * read still answers an index at least as large as any answered before. (Without the persisted
 * index the second run would start near its own clock, two minutes lower.)
 */
/** Less than the agent's maxClockDrift (5 min), so its own records stay in its answers. */
const SKEW = 120_000

async function startAgent(dir: string, now: () => number): Promise<Agent> {
  const config = loadConfig({
    preset: 'local',
    flags: { nodeName: 'idx', dataDir: dir, advertiseAddress: '127.0.0.1' },
  })
  const agent = await Agent.create(config, { logger: pino({ level: 'silent' }), now })
  await agent.start()
  return agent
}

async function consul(agent: Agent, method: string, path: string, body?: unknown) {
  const res = await fetch(`http://${agent.httpAddr()}${path}`, {
    method,
    ...(body === undefined ? {} : { body: Buffer.from(JSON.stringify(body)) }),
    signal: AbortSignal.timeout(10_000),
  })
  await res.arrayBuffer()
  return { status: res.status, index: Number(res.headers.get('x-consul-index')) }
}

const READS = ['/v1/catalog/services', '/v1/health/service/web', '/v1/agent/services', '/v1/agent/checks']

describe('X-Consul-Index across a restart with the clock stepped back two minutes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gv-consul-index-'))
  const running: Agent[] = []
  after(async () => {
    for (const a of running) await a.stop().catch(() => undefined)
    rmSync(dir, { recursive: true, force: true })
  })

  it('never answers a smaller index than before', async () => {
    const first = await startAgent(dir, () => Date.now() + SKEW)
    running.push(first)
    let highest = 0
    for (let i = 0; i < 3; i++) {
      const reg = await consul(first, 'PUT', '/v1/agent/service/register', {
        name: 'web',
        id: `web${i}`,
        port: 8000 + i,
        check: { ttl: '30s' },
      })
      assert.equal(reg.status, 200)
      for (const path of READS) {
        const r = await consul(first, 'GET', path)
        assert.equal(r.status, 200, path)
        assert.ok(r.index >= highest, `${path}: ${r.index} < ${highest}`)
        highest = r.index
      }
    }
    assert.ok(highest > Date.now() + SKEW / 2, 'the first run indexed from its skewed clock')
    await first.stop()
    running.pop()

    const second = await startAgent(dir, () => Date.now())
    running.push(second)
    for (const path of READS) {
      const r = await consul(second, 'GET', path)
      assert.equal(r.status, 200, path)
      assert.ok(r.index >= highest, `${path} after restart: ${r.index} < ${highest}`)
      highest = r.index
    }
    const services = await fetch(`http://${second.httpAddr()}/v1/agent/services`)
    assert.deepEqual(Object.keys((await services.json()) as object).sort(), ['web0', 'web1', 'web2'])
    const dereg = await consul(second, 'PUT', '/v1/agent/service/deregister/web0')
    assert.equal(dereg.status, 200)
    await waitFor(
      'a change after the restart to move the index forward',
      async () => {
        const r = await consul(second, 'GET', '/v1/catalog/services')
        return r.index > highest ? r.index : undefined
      },
      { timeoutMs: 15_000 },
    )
  })
})
