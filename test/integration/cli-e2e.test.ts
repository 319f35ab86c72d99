import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { AgentProcess, runCli } from '../helpers/agent-process.ts'
import { waitFor } from '../helpers/wait-for.ts'

describe('two agent processes and the CLI', () => {
  const a = new AgentProcess('proc-a')
  const b = new AgentProcess('proc-b')
  after(async () => {
    await a.cleanup()
    await b.cleanup()
  })

  it("register through the CLI on one agent, see it through the other agent's HTTP API and CLI", async () => {
    const ia = await a.start(['--http', '127.0.0.1:0', '--dns', '127.0.0.1:0'])
    const ib = await b.start(['--http', '127.0.0.1:0', '--dns', '127.0.0.1:0', '--join', a.joinAddr()])
    const reg = await runCli([
      '--http',
      ia.http,
      'services',
      'register',
      '--name',
      'web',
      '--port',
      '8080',
      '--address',
      '127.0.0.1',
      '--tag',
      'v2',
      '--ttl',
      '30s',
    ])
    assert.equal(reg.code, 0, reg.stderr)
    assert.match(reg.stdout, /registered web-127\.0\.0\.1-8080/)
    const pass = await runCli(['--http', ia.http, 'services', 'pass', 'web-127.0.0.1-8080', '--note', 'ok'])
    assert.equal(pass.code, 0, pass.stderr)

    const seen = await waitFor('web on b via HTTP', async () => {
      const res = await fetch(`http://${ib.http}/v1/services/web?passing=true`)
      const body = (await res.json()) as { instances?: Array<{ id: string; origin: { node: string } }> }
      return body.instances?.length === 1 ? body.instances[0] : undefined
    })
    assert.equal(seen.origin.node, 'proc-a')

    const show = await runCli(['--http', ib.http, 'services', 'show', 'web'])
    assert.equal(show.code, 0, show.stderr)
    assert.match(show.stdout, /web-127\.0\.0\.1-8080\s+127\.0\.0\.1:8080\s+passing\s+proc-a/)

    const resolve = await runCli(['--http', ib.http, 'resolve', 'web'])
    assert.equal(resolve.stdout.trim(), '127.0.0.1:8080')

    const health = async () => {
      const res = await fetch(`http://${ib.http}/v1/services/web`)
      return ((await res.json()) as { instances: Array<{ health: string }> }).instances[0]?.health
    }
    const on = await runCli(['--http', ia.http, 'maint', '--enable', '--reason', 'kernel upgrade'])
    assert.equal(on.code, 0, on.stderr)
    await waitFor('node maintenance drains web on b', async () => (await health()) === 'maintenance')
    const off = await runCli(['--http', ia.http, 'maint', '--disable'])
    assert.equal(off.code, 0, off.stderr)
    await waitFor('web passing again on b', async () => (await health()) === 'passing')

    const json = await runCli(['--http', ib.http, '--json', 'members'])
    const members = JSON.parse(json.stdout) as { members: Array<{ name: string; state: string }> }
    assert.deepEqual(members.members.map((m) => `${m.name}:${m.state}`).sort(), [
      'proc-a:alive',
      'proc-b:alive',
    ])
  })

  it('exit codes scripts can rely on', async () => {
    const none = await runCli(['--http', '127.0.0.1:1', 'services', 'list'])
    assert.equal(none.code, 3)
    assert.match(none.stderr, /no agent at 127\.0\.0\.1:1 — is `grapevine agent` running\?/)
    const usage = await runCli(['--http', a.info?.http ?? '', 'services', 'register', '--name', 'x'])
    assert.equal(usage.code, 2)
    const missing = await runCli(['--http', a.info?.http ?? '', 'resolve', 'nothing-here'])
    assert.equal(missing.code, 4)
  })

  it('SIGTERM leaves gracefully: the other agent drops the leaver at once', async () => {
    const ib = b.info
    assert.ok(ib)
    assert.equal(await a.kill('SIGTERM'), 0)
    await waitFor(
      'web gone from b',
      async () => {
        const res = await fetch(`http://${ib.http}/v1/services/web`)
        const body = (await res.json()) as { instances?: unknown[] }
        return res.status === 404 || body.instances?.length === 0
      },
      { timeoutMs: 5_000 },
    )
  })
})
