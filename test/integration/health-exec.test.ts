import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { execProbe } from '../../agent/health/exec-probe.ts'
import { waitFor } from '../helpers/wait-for.ts'
import { specOf } from './health-targets.ts'

const never = new AbortController().signal
const sh = (script: string, extra: Record<string, unknown> = {}) =>
  execProbe(specOf<'exec'>({ type: 'exec', args: ['/bin/sh', '-c', script], timeout: '5s', ...extra }), never)

/** Running (a zombie waiting for its reaper counts as dead). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return false
  }
}

describe('exec probe running real scripts', () => {
  it('exit 0 is passing, with its output', async () => {
    assert.deepEqual(await sh('echo fine'), { status: 'passing', output: 'fine\n' })
  })

  it('exit 1 is warning', async () => {
    assert.deepEqual(await sh('echo disk 91% >&2; exit 1'), { status: 'warning', output: 'disk 91%\n' })
  })

  it('exit 2 (and anything else) is critical', async () => {
    assert.deepEqual(await sh('exit 2'), { status: 'critical', output: 'exit 2' })
    assert.equal((await sh('exit 77')).status, 'critical')
  })

  it('a hanging script is killed at its timeout, with its whole process group', async () => {
    const t0 = performance.now()
    const r = await sh('sleep 60 & echo child=$!; wait', { timeout: '500ms', interval: '1s' })
    const took = performance.now() - t0
    assert.equal(r.status, 'critical')
    assert.match(r.output, /timed out after 500 ms; killed \/bin\/sh/)
    assert.ok(took < 3_000, `took ${took} ms`)
    const pid = Number(/child=(\d+)/.exec(r.output)?.[1])
    assert.ok(pid > 0, r.output)
    await waitFor('the background child to be killed too', () => !alive(pid), { timeoutMs: 5_000 })
  })

  it('output is captured up to 4 KiB only', async () => {
    const r = await sh('head -c 200000 /dev/zero | tr "\\0" "y"; exit 0')
    assert.equal(r.status, 'passing')
    assert.equal(Buffer.byteLength(r.output), 4096)
  })

  it('arguments are never interpreted by a shell', async () => {
    const r = await execProbe(
      specOf<'exec'>({ type: 'exec', args: ['/bin/echo', '$(id); `id` > /tmp/x'] }),
      never,
    )
    assert.deepEqual(r, { status: 'passing', output: '$(id); `id` > /tmp/x\n' })
  })

  it('a missing command is critical, saying why', async () => {
    const r = await execProbe(specOf<'exec'>({ type: 'exec', args: ['/nonexistent/check'] }), never)
    assert.equal(r.status, 'critical')
    assert.match(r.output, /cannot run \/nonexistent\/check: .*ENOENT/)
  })

  it('a script that leaves a child holding its output still finishes', async () => {
    const t0 = performance.now()
    const r = await sh('(sleep 3 &) ; echo done', { timeout: '5s' })
    assert.equal(r.status, 'passing')
    assert.match(r.output, /done/)
    assert.ok(performance.now() - t0 < 2_700)
  })
})
