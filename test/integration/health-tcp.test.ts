import assert from 'node:assert/strict'
import net, { type AddressInfo } from 'node:net'
import { describe, it } from 'node:test'
import { createTcpProbe } from '../../agent/health/tcp-probe.ts'
import { specOf } from './health-targets.ts'

const never = new AbortController().signal
const tcpProbe = createTcpProbe()

async function listener(): Promise<{ port: number; accepted: () => number; close: () => Promise<void> }> {
  let n = 0
  const sockets = new Set<net.Socket>()
  const server = net.createServer((s) => {
    n++
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    port: (server.address() as AddressInfo).port,
    accepted: () => n,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy()
        server.close(() => r())
      }),
  }
}

describe('tcp probe against a real local listener', () => {
  it('an open port is passing', async () => {
    const l = await listener()
    const r = await tcpProbe(specOf<'tcp'>({ type: 'tcp', target: `127.0.0.1:${l.port}` }), never)
    assert.deepEqual(r, { status: 'passing', output: `TCP connect 127.0.0.1:${l.port}: Success` })
    assert.equal(l.accepted(), 1)
    await l.close()
  })

  it('a closed port is critical, saying why', async () => {
    const l = await listener()
    await l.close()
    const r = await tcpProbe(specOf<'tcp'>({ type: 'tcp', target: `127.0.0.1:${l.port}` }), never)
    assert.equal(r.status, 'critical')
    assert.match(r.output, /ECONNREFUSED/)
  })

  it('IPv6 loopback targets work ', async () => {
    const server = net.createServer((s) => s.destroy())
    const ok = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false))
      server.listen(0, '::1', () => resolve(true))
    })
    assert.ok(
      ok,
      'IPv6 loopback (::1) must be available for this test: bring lo up with ::1 (sysctl net.ipv6.conf.lo.disable_ipv6=0)',
    )
    const port = (server.address() as AddressInfo).port
    const r = await tcpProbe(specOf<'tcp'>({ type: 'tcp', target: `[::1]:${port}` }), never)
    assert.deepEqual(r, { status: 'passing', output: `TCP connect [::1]:${port}: Success` })
    await new Promise<void>((r2) => server.close(() => r2()))
  })
})
