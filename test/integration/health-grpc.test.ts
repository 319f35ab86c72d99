import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import * as grpc from '@grpc/grpc-js'
import { HealthImplementation } from 'grpc-health-check'
import { grpcProbe } from '../../agent/health/grpc-probe.ts'
import { selfSignedCert, specOf } from './health-targets.ts'

const never = new AbortController().signal

describe('grpc probe against a real grpc.health.v1 server', () => {
  let server: grpc.Server
  let port: number
  const health = new HealthImplementation({ '': 'SERVING', 'pkg.Up': 'SERVING', 'pkg.Down': 'NOT_SERVING' })

  before(async () => {
    server = new grpc.Server()
    health.addToServer(server)
    port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
        e ? reject(e) : resolve(p),
      ),
    )
  })
  after(() => {
    server.forceShutdown()
  })

  const probe = (target: string) => grpcProbe(specOf<'grpc'>({ type: 'grpc', target, timeout: '3s' }), never)

  it('SERVING (whole server) is passing', async () => {
    const r = await probe(`127.0.0.1:${port}`)
    assert.deepEqual(r, { status: 'passing', output: `gRPC health 127.0.0.1:${port}: SERVING` })
  })

  it('a named SERVING service is passing', async () => {
    assert.equal((await probe(`127.0.0.1:${port}/pkg.Up`)).status, 'passing')
  })

  it('NOT_SERVING is critical', async () => {
    const r = await probe(`127.0.0.1:${port}/pkg.Down`)
    assert.equal(r.status, 'critical')
    assert.match(r.output, /NOT_SERVING$/)
  })

  it('an unknown service is critical (NOT_FOUND)', async () => {
    const r = await probe(`127.0.0.1:${port}/pkg.Nope`)
    assert.equal(r.status, 'critical')
    assert.match(r.output, /NOT_FOUND/)
  })

  it('follows status flips', async () => {
    health.setStatus('pkg.Flip', 'SERVING')
    assert.equal((await probe(`127.0.0.1:${port}/pkg.Flip`)).status, 'passing')
    health.setStatus('pkg.Flip', 'NOT_SERVING')
    assert.equal((await probe(`127.0.0.1:${port}/pkg.Flip`)).status, 'critical')
  })

  it('a server that is gone is critical', async () => {
    const other = new grpc.Server()
    const p = await new Promise<number>((resolve, reject) =>
      other.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, x) =>
        e ? reject(e) : resolve(x),
      ),
    )
    other.forceShutdown()
    const t0 = performance.now()
    const r = await grpcProbe(
      specOf<'grpc'>({ type: 'grpc', target: `127.0.0.1:${p}`, timeout: '2s' }),
      never,
    )
    assert.equal(r.status, 'critical')
    assert.match(r.output, /UNAVAILABLE|DEADLINE_EXCEEDED|timed out/)
    assert.ok(performance.now() - t0 < 3_000)
  })
})

describe('grpc probe over TLS with a self-signed certificate', () => {
  const tls = selfSignedCert()
  let server: grpc.Server | undefined
  let port = 0
  before(async () => {
    server = new grpc.Server()
    new HealthImplementation({ '': 'SERVING' }).addToServer(server)
    const creds = grpc.ServerCredentials.createSsl(null, [
      { private_key: Buffer.from(tls.key), cert_chain: Buffer.from(tls.cert) },
    ])
    port = await new Promise<number>((resolve, reject) =>
      server?.bindAsync('127.0.0.1:0', creds, (e, p) => (e ? reject(e) : resolve(p))),
    )
  })
  after(() => {
    server?.forceShutdown()
  })

  it('fails verification by default', async () => {
    const r = await grpcProbe(
      specOf<'grpc'>({ type: 'grpc', target: `127.0.0.1:${port}`, grpcUseTls: true, timeout: '3s' }),
      never,
    )
    assert.equal(r.status, 'critical')
  })

  it('passes with tlsSkipVerify', async () => {
    const r = await grpcProbe(
      specOf<'grpc'>({
        type: 'grpc',
        target: `127.0.0.1:${port}`,
        grpcUseTls: true,
        tlsSkipVerify: true,
        timeout: '3s',
      }),
      never,
    )
    assert.deepEqual(r, { status: 'passing', output: `gRPC health 127.0.0.1:${port}: SERVING` })
  })
})
