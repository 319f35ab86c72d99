import assert from 'node:assert/strict'
import { type ClientRequest, get, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, it } from 'node:test'
import { eventMatches, formatEvent } from '../../../agent/api/routes/watch.ts'
import { waitFor } from '../../helpers/wait-for.ts'
import { buildTestApi, type TestApi } from './setup.ts'

/** A small SSE client over a real loopback socket. */
interface Stream {
  readonly req: ClientRequest
  readonly res: IncomingMessage
  text: string
  ended: boolean
  events(): Array<{ event: string; id: string; data: Record<string, unknown> }>
}

async function open(api: TestApi, path: string): Promise<Stream> {
  const { port } = api.app.server.address() as AddressInfo
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path }, (res) => {
      const s: Stream = {
        req,
        res,
        text: '',
        ended: false,
        events() {
          return s.text
            .split('\n\n')
            .filter((block) => block.includes('event: '))
            .map((block) => {
              const field = (name: string) =>
                block
                  .split('\n')
                  .find((l) => l.startsWith(`${name}: `))
                  ?.slice(name.length + 2) ?? ''
              return { event: field('event'), id: field('id'), data: JSON.parse(field('data')) }
            })
        },
      }
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        s.text += chunk
      })
      res.on('end', () => {
        s.ended = true
      })
      resolve(s)
    })
    req.on('error', reject)
  })
}

let t: TestApi | undefined
afterEach(async () => {
  await t?.app.close()
  t = undefined
})

async function listening(init = {}): Promise<TestApi> {
  t = buildTestApi(init)
  await t.app.listen({ host: '127.0.0.1', port: 0 })
  return t
}

describe('GET /v1/watch (Server-Sent Events)', () => {
  it('formats and filters events', () => {
    const e = { type: 'registered', service: 'Web', instanceKey: 'inst/A/w1', index: 7 } as const
    assert.equal(formatEvent(e), `id: 7\nevent: registered\ndata: ${JSON.stringify(e)}\n\n`)
    assert.equal(eventMatches(e, undefined), true)
    assert.equal(eventMatches(e, 'web'), true)
    assert.equal(eventMatches(e, 'db'), false)
    const m = { type: 'member-joined', node: 'n', origin: 'o', state: 'alive', index: 8 } as const
    assert.equal(eventMatches(m, undefined), true)
    assert.equal(eventMatches(m, 'web'), false)
  })

  it('streams registered, updated, health-changed, removed and member events', async () => {
    const t = await listening()
    const s = await open(t, '/v1/watch')
    assert.equal(s.res.statusCode, 200)
    assert.match(String(s.res.headers['content-type']), /^text\/event-stream/)
    assert.equal(s.res.headers['x-grapevine-index'], String(t.ports.currentIndex))
    await waitFor('the stream to open', () => s.text.includes(': watching everything'))
    const iv = t.ports.putInstance({ id: 'w1', service: 'web' })
    t.ports.putInstance({ id: 'w1', service: 'web', port: 81 })
    t.ports.putInstance({ id: 'w1', service: 'web', port: 81, health: 'critical' })
    t.ports.removeInstance(iv.key)
    t.ports.putNode({ origin: '12D3KooWOtherPeer33333333333333333333333333333', name: 'other' })
    t.ports.putNode({
      origin: '12D3KooWOtherPeer33333333333333333333333333333',
      name: 'other',
      state: 'left',
    })
    await waitFor('six events', () => s.events().length === 6)
    const events = s.events()
    assert.deepEqual(
      events.map((e) => e.event),
      ['registered', 'updated', 'health-changed', 'removed', 'member-joined', 'member-left'],
    )
    assert.equal(events[0]?.data['instanceKey'], iv.key)
    assert.equal(events[2]?.data['health'], 'critical')
    assert.equal(events[5]?.id, String(t.ports.currentIndex))
    s.req.destroy()
  })

  it('filters by service', async () => {
    const t = await listening()
    const s = await open(t, '/v1/watch?service=web')
    await waitFor('the stream to open', () => s.text.includes(': watching web'))
    t.ports.putInstance({ id: 'd1', service: 'db' })
    t.ports.putNode({ origin: '12D3KooWOtherPeer33333333333333333333333333333', name: 'other' })
    t.ports.putInstance({ id: 'w1', service: 'WEB' })
    await waitFor('the web event', () => s.events().length === 1)
    assert.equal(s.events()[0]?.data['service'], 'WEB')
    s.req.destroy()
  })

  it('sends heartbeat comments', async () => {
    const t = await listening({ sseHeartbeatMs: 30 })
    const s = await open(t, '/v1/watch')
    await waitFor('two heartbeats', () => s.text.split(': heartbeat').length > 2)
    s.req.destroy()
  })

  it('a bad filter is a JSON validation error, not a stream', async () => {
    const t = buildTestApi()
    const res = await t.app.inject({ method: 'GET', url: '/v1/watch?service=no.dots' })
    assert.equal(res.statusCode, 400)
    assert.match(res.body, /"code":"VALIDATION"/)
    await t.app.close()
  })

  it('ends cleanly when the client goes away: unsubscribed, nothing left open', async () => {
    const t = await listening()
    const s = await open(t, '/v1/watch')
    await waitFor('subscribed', () => t.ports.subscribers === 1)
    s.req.destroy()
    await waitFor('unsubscribed', () => t.ports.subscribers === 0)
    t.ports.putInstance({ id: 'w1', service: 'web' }) // no one to write to: must not throw
  })

  it('ends cleanly when the server closes', async () => {
    const t = await listening()
    const a = await open(t, '/v1/watch')
    const b = await open(t, '/v1/watch?service=web')
    await waitFor('subscribed', () => t.ports.subscribers === 2)
    const started = performance.now()
    await t.app.close()
    assert.ok(performance.now() - started < 5000, 'close does not wait for the streams')
    await waitFor('both streams ended', () => a.ended && b.ended)
    assert.equal(t.ports.subscribers, 0)
  })
})
