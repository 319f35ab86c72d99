import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { after, describe, it } from 'node:test'
import { GrapevineError } from '../../agent/errors.ts'
import { AgentHarness } from '../helpers/agent-harness.ts'

describe('agent start failures say what to do', () => {
  const h = new AgentHarness()
  const server = createServer()
  after(async () => {
    await h.stopAll()
    server.close()
  })

  it('an HTTP port in use is BIND_FAILED naming the address and the flag', async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as { port: number }).port
    await assert.rejects(
      h.start('busy-http', { http: `127.0.0.1:${port}` }),
      (e: unknown) =>
        e instanceof GrapevineError &&
        e.code === 'BIND_FAILED' &&
        e.message.includes(`127.0.0.1:${port}`) &&
        e.message.includes('--http'),
    )
  })

  it('an invalid DNS option is CONFIG_INVALID', async () => {
    await assert.rejects(
      h.start('bad-dns', { domain: 'not a domain!' }),
      (e: unknown) => e instanceof GrapevineError && e.code === 'CONFIG_INVALID',
    )
  })
})
