import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { createHttpProbe } from '../../agent/health/http-probe.ts'
import { waitFor } from '../helpers/wait-for.ts'
import {
  selfSignedCert,
  specOf,
  startHttpsTarget,
  startHttpTarget,
  type TargetServer,
} from './health-targets.ts'

const never = new AbortController().signal
const httpProbe = createHttpProbe()

describe('http probe against a real local server', () => {
  let target: TargetServer
  before(async () => {
    target = await startHttpTarget()
  })
  after(async () => {
    await target.close()
  })

  const probe = (path: string, extra: Record<string, unknown> = {}) =>
    httpProbe(specOf<'http'>({ type: 'http', url: `${target.url}${path}`, timeout: '3s', ...extra }), never)

  it('200 is passing, with the body in the output', async () => {
    const r = await probe('/ok')
    assert.equal(r.status, 'passing')
    assert.match(r.output, /^HTTP GET http:\/\/127\.0\.0\.1:\d+\/ok: 200 OK Output: all good$/)
  })

  it('429 is warning', async () => {
    assert.equal((await probe('/busy')).status, 'warning')
  })

  it('500 is critical', async () => {
    const r = await probe('/err')
    assert.equal(r.status, 'critical')
    assert.match(r.output, /500 Internal Server Error Output: boom/)
  })

  it('302 is critical: redirects are not followed', async () => {
    const r = await probe('/redirect')
    assert.equal(r.status, 'critical')
    assert.match(r.output, /302 Found/)
    assert.doesNotMatch(r.output, /all good/)
  })

  it('a server that never answers gets the timeout', async () => {
    const t0 = performance.now()
    const r = await probe('/slow', { timeout: '300ms', interval: '1s' })
    const took = performance.now() - t0
    assert.equal(r.status, 'critical')
    assert.match(r.output, /timed out after 300 ms/)
    assert.ok(took >= 250 && took < 2_000, `took ${took} ms`)
  })

  it('a huge body: at most 4 KiB captured, the connection closed early, done fast', async () => {
    const t0 = performance.now()
    const r = await probe('/huge')
    const took = performance.now() - t0
    assert.equal(r.status, 'passing')
    const body = r.output.slice(r.output.indexOf('Output: ') + 'Output: '.length)
    assert.equal(Buffer.byteLength(body), 4096)
    assert.match(r.output, /body truncated at 4 KiB/)
    assert.ok(took < 3_000, `took ${took} ms`)
    // The server stops writing once the probe hangs up: far less than the 64 MiB it would send.
    await waitFor('server to notice the closed connection', () => target.hugeBytesWritten > 0)
    assert.ok(target.hugeBytesWritten < 16 * 1024 * 1024, `server wrote ${target.hugeBytesWritten} bytes`)
  })

  it('sends method, headers and body as defined', async () => {
    const r = await probe('/echo', {
      method: 'POST',
      headers: { 'X-Probe': ['a', 'b'], Accept: 'text/plain' },
      body: '{"ping":1}',
    })
    assert.equal(r.status, 'passing')
    assert.equal(target.lastEcho?.method, 'POST')
    assert.equal(target.lastEcho?.headers['x-probe'], 'a, b')
    assert.equal(target.lastEcho?.headers.accept, 'text/plain')
    assert.equal(target.lastEcho?.body, '{"ping":1}')
  })

  it('a closed port is critical, saying why', async () => {
    const closed = await startHttpTarget()
    await closed.close()
    const r = await httpProbe(specOf<'http'>({ type: 'http', url: `${closed.url}/ok` }), never)
    assert.equal(r.status, 'critical')
    assert.match(r.output, /ECONNREFUSED/)
  })

  it('IPv6 URLs work ', async () => {
    const server = http.createServer((_q, res) => res.end('v6'))
    const ok = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false))
      server.listen(0, '::1', () => resolve(true))
    })
    assert.ok(
      ok,
      'IPv6 loopback (::1) must be available for this test: bring lo up with ::1 (sysctl net.ipv6.conf.lo.disable_ipv6=0)',
    )
    const port = (server.address() as AddressInfo).port
    const r = await httpProbe(specOf<'http'>({ type: 'http', url: `http://[::1]:${port}/` }), never)
    server.close()
    assert.equal(r.status, 'passing')
    assert.match(r.output, /^HTTP GET http:\/\/\[::1\]:\d+\/: 200 OK Output: v6$/)
  })

  it('stops at once when its signal aborts', async () => {
    const ac = new AbortController()
    const p = httpProbe(specOf<'http'>({ type: 'http', url: `${target.url}/slow`, timeout: '5s' }), ac.signal)
    ac.abort()
    const r = await p
    assert.equal(r.status, 'critical')
    assert.match(r.output, /cancelled/)
  })

  it('never puts URL credentials in the output', async () => {
    const url = target.url.replace('http://', 'http://user:secret@')
    const r = await httpProbe(specOf<'http'>({ type: 'http', url: `${url}/ok` }), never)
    assert.equal(r.status, 'passing')
    assert.doesNotMatch(r.output, /secret/)
  })
})

describe('https probe with a self-signed certificate', () => {
  const tls = selfSignedCert()
  let target: TargetServer | undefined
  before(async () => {
    target = await startHttpsTarget(tls)
  })
  after(async () => {
    await target?.close()
  })

  it('fails verification by default', async () => {
    const r = await httpProbe(specOf<'http'>({ type: 'http', url: `${target?.url}/ok` }), never)
    assert.equal(r.status, 'critical')
    assert.match(r.output, /self.signed/i)
  })

  it('passes with tlsSkipVerify', async () => {
    const r = await httpProbe(
      specOf<'http'>({ type: 'http', url: `${target?.url}/ok`, tlsSkipVerify: true }),
      never,
    )
    assert.equal(r.status, 'passing')
    assert.match(r.output, /^HTTP GET https:/)
  })
})
