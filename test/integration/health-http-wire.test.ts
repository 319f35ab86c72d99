import assert from 'node:assert/strict'
import net from 'node:net'
import { after, before, describe, it } from 'node:test'
import { createHttpProbe, httpRequestBytes } from '../../agent/health/http-probe.ts'
import { specOf } from './health-targets.ts'

/**
 * The HTTP probe against a raw TCP server that answers with exact bytes: framing (chunked,
 * sized, to EOF), interim responses, HEAD, and responses cut short or malformed.
 */
const never = new AbortController().signal
const httpProbe = createHttpProbe()

const ANSWERS: Record<string, string | ((s: net.Socket) => void)> = {
  '/chunked': 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n',
  '/sized': 'HTTP/1.1 503 Service Unavailable\r\ncontent-length: 4\r\n\r\ndown',
  '/eof': 'HTTP/1.0 200 OK\r\n\r\nuntil the end',
  '/interim':
    'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok',
  '/head': 'HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n',
  '/cut': 'HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly this',
  '/garbage': 'SMTP ready\r\n\r\n',
  '/silent-close': (s) => s.end(),
}

describe('http probe on the wire', () => {
  let server: net.Server
  let port = 0
  const seen: string[] = []
  before(async () => {
    server = net.createServer((s) => {
      s.on('error', () => {})
      let head = ''
      s.on('data', (c: Buffer) => {
        head += c.toString('latin1')
        if (!head.includes('\r\n\r\n')) return
        seen.push(head)
        const path = head.split(' ')[1] ?? ''
        const answer = ANSWERS[path]
        if (typeof answer === 'function') answer(s)
        else if (path === '/head')
          s.write(answer ?? '') // keeps the connection open: the probe must not wait for 1000 bytes
        else s.end(answer ?? 'HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n')
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    port = (server.address() as net.AddressInfo).port
  })
  after(() => {
    server.close()
  })

  const probe = (path: string, extra: Record<string, unknown> = {}) =>
    httpProbe(
      specOf<'http'>({ type: 'http', url: `http://127.0.0.1:${port}${path}`, timeout: '2s', ...extra }),
      never,
    )

  it('decodes a chunked body', async () => {
    const r = await probe('/chunked')
    assert.equal(r.status, 'passing')
    assert.match(r.output, /: 200 OK Output: hello world$/)
  })

  it('reads a sized body and maps the status', async () => {
    const r = await probe('/sized')
    assert.equal(r.status, 'critical')
    assert.match(r.output, /: 503 Service Unavailable Output: down$/)
  })

  it('reads a body that runs to the end of the connection', async () => {
    const r = await probe('/eof')
    assert.equal(r.status, 'passing')
    assert.match(r.output, /Output: until the end$/)
  })

  it('skips interim 1xx responses', async () => {
    const r = await probe('/interim')
    assert.equal(r.status, 'passing')
    assert.match(r.output, /: 200 OK Output: ok$/)
  })

  it('a HEAD answer ends with its headers', async () => {
    const r = await probe('/head', { method: 'HEAD' })
    assert.equal(r.status, 'passing')
    assert.match(r.output, /^HTTP HEAD .*: 200 OK$/)
  })

  it('a body cut short is critical', async () => {
    const r = await probe('/cut')
    assert.equal(r.status, 'critical')
    assert.match(r.output, /response aborted/)
  })

  it('a connection closed without an answer is critical', async () => {
    const r = await probe('/silent-close')
    assert.equal(r.status, 'critical')
    assert.match(r.output, /socket hang up/)
  })

  it('something that is not HTTP is critical', async () => {
    const r = await probe('/garbage')
    assert.equal(r.status, 'critical')
    assert.match(r.output, /invalid HTTP response/)
  })

  it('asks the server to close the connection after answering', async () => {
    await probe('/sized')
    assert.match(seen.at(-1) ?? '', /\r\nconnection: close\r\n/)
  })
})

describe('httpRequestBytes', () => {
  const bytes = (def: Record<string, unknown>) =>
    httpRequestBytes(specOf<'http'>({ type: 'http', ...def })).toString('latin1')

  it('request line, default headers, no body for GET', () => {
    assert.equal(
      bytes({ url: 'http://127.0.0.1:8080/health?x=1' }),
      'GET /health?x=1 HTTP/1.1\r\nuser-agent: grapevine-health-check\r\nhost: 127.0.0.1:8080\r\nconnection: close\r\n\r\n',
    )
  })

  it('host of a default port and of IPv6; user headers override defaults, repeated values repeat', () => {
    assert.equal(
      bytes({ url: 'https://[::1]/', headers: { 'User-Agent': 'mine', 'X-A': ['1', '2'] } }),
      'GET / HTTP/1.1\r\nuser-agent: mine\r\nx-a: 1\r\nx-a: 2\r\nhost: [::1]\r\nconnection: close\r\n\r\n',
    )
  })

  it('body with its length; a POST without a body says length 0; a user Connection header cannot keep it open', () => {
    assert.equal(
      bytes({ url: 'http://h:1/', method: 'PUT', body: 'héllo', headers: { Connection: 'keep-alive' } }),
      'PUT / HTTP/1.1\r\nuser-agent: grapevine-health-check\r\nhost: h:1\r\ncontent-length: 6\r\nconnection: close\r\n\r\nhéllo'.replace(
        'héllo',
        Buffer.from('héllo').toString('latin1'),
      ),
    )
    assert.match(bytes({ url: 'http://h:1/', method: 'POST' }), /\r\ncontent-length: 0\r\n/)
  })

  it('URL credentials become Basic authorization (decoded), unless the user set one', () => {
    const auth = Buffer.from('us er:p@ss').toString('base64')
    assert.match(
      bytes({ url: 'http://us%20er:p%40ss@h:1/' }),
      new RegExp(`\\r\\nauthorization: Basic ${auth}\\r\\n`),
    )
    assert.match(
      bytes({ url: 'http://u:p@h:1/', headers: { Authorization: 'Bearer t' } }),
      /\r\nauthorization: Bearer t\r\n/,
    )
  })
})
