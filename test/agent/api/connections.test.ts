import assert from 'node:assert/strict'
import { get } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, it } from 'node:test'
import { waitFor } from '../../helpers/wait-for.ts'
import { buildTestApi, type TestApi } from './setup.ts'

let t: TestApi | undefined
afterEach(async () => {
  await t?.app.close()
  t = undefined
})

/** Resolves with the status code, or with the error code when the socket is refused. */
function request(
  port: number,
  path: string,
  hold = false,
): Promise<{ status?: number; error?: string; close: () => void }> {
  return new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      if (!hold) res.resume()
      resolve({ status: res.statusCode ?? 0, close: () => req.destroy() })
    })
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message, close: () => {} }))
  })
}

describe('connection limit', () => {
  it('refuses sockets past maxConnections, and serves again once one closes', async () => {
    t = buildTestApi({ maxConnections: 2 })
    await t.app.listen({ host: '127.0.0.1', port: 0 })
    const { port } = t.app.server.address() as AddressInfo
    const a = await request(port, '/v1/watch', true)
    const b = await request(port, '/v1/watch', true)
    assert.equal(a.status, 200)
    assert.equal(b.status, 200)
    const api = t
    await waitFor('two open streams', () => api.ports.subscribers === 2)
    const refused = await request(port, '/health')
    assert.ok(refused.error !== undefined, `the third socket is refused (got ${JSON.stringify(refused)})`)
    a.close()
    await waitFor('a stream closed', () => api.ports.subscribers === 1)
    await waitFor('a request served again', async () => (await request(port, '/health')).status === 200)
    b.close()
  })
})
