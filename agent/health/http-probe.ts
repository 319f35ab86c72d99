import net from 'node:net'
import tls from 'node:tls'
import { HTTPParser } from 'http-parser-js'
import type { CheckStatus } from '../../crdt/schema.ts'
import type { HttpCheckSpec } from './check-spec.ts'
import { errorText, OutputCapture, type Probe, type ProbeResult, watchDeadline } from './probe.ts'

/**
 * HTTP(S) check: one HTTP/1.1 request on a fresh connection (`Connection: close`, no keep-alive:
 * each check proves the server still accepts connections, as Consul's and the kubelet's do),
 * redirects never followed, TLS verified unless `tlsSkipVerify`. 2xx is passing, 429 warning,
 * anything else critical. At most 4 KiB of the body is read; then the connection is destroyed,
 * so a huge body costs nothing.
 *
 * The request is written straight to a node:net / node:tls socket (its bytes built once per
 * check definition) and the response read with http-parser-js (chunked and sized bodies, body
 * to EOF, interim 1xx responses skipped). node:http's request and response objects, agent and
 * streams cost about as much CPU as the connection itself at hundreds of checks a second
 * (docs/health-checks.md, Cost); a probe needs none of them.
 */
export function statusForHttpCode(code: number): CheckStatus {
  if (code >= 200 && code < 300) return 'passing'
  if (code === 429) return 'warning'
  return 'critical'
}

/** Largest response head accepted (node:http's default). */
const MAX_HEADER_BYTES = 16 * 1024
/** Methods that carry no body unless one is defined (no Content-Length: 0 for them). */
const BODILESS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT'])

interface Prepared {
  readonly label: string
  readonly host: string
  readonly port: number
  readonly tls?: tls.ConnectionOptions
  readonly request: Buffer
  readonly head: boolean
}

/** What goes on the wire for a check: request line, headers and body, as bytes. */
export function httpRequestBytes(spec: HttpCheckSpec): Buffer {
  const url = new URL(spec.url)
  const headers = new Map<string, readonly string[]>()
  headers.set('user-agent', ['grapevine-health-check'])
  for (const [k, v] of Object.entries(spec.headers)) headers.set(k.toLowerCase(), v)
  if (!headers.has('host')) headers.set('host', [url.host])
  if ((url.username !== '' || url.password !== '') && !headers.has('authorization')) {
    const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`
    headers.set('authorization', [`Basic ${Buffer.from(credentials).toString('base64')}`])
  }
  const body = spec.body === undefined ? undefined : Buffer.from(spec.body)
  headers.delete('content-length')
  headers.delete('transfer-encoding')
  if (body !== undefined || !BODILESS.has(spec.method))
    headers.set('content-length', [String(body?.length ?? 0)])
  // One run, one connection: the server closes it after answering.
  headers.delete('connection')
  headers.set('connection', ['close'])
  let text = `${spec.method} ${url.pathname}${url.search} HTTP/1.1\r\n`
  for (const [k, values] of headers) for (const v of values) text += `${k}: ${v}\r\n`
  const head = Buffer.from(`${text}\r\n`, 'latin1')
  return body === undefined ? head : Buffer.concat([head, body])
}

function prepare(spec: HttpCheckSpec): Prepared {
  const url = new URL(spec.url)
  const shown = new URL(spec.url)
  shown.username = ''
  shown.password = ''
  const secure = url.protocol === 'https:'
  // URL keeps IPv6 hosts in brackets; the socket wants them bare.
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
  return {
    // Outputs are gossiped: never include credentials from the URL.
    label: `HTTP ${spec.method} ${shown.href}`,
    host,
    port: url.port === '' ? (secure ? 443 : 80) : Number(url.port),
    ...(secure
      ? {
          tls: {
            rejectUnauthorized: !spec.tlsSkipVerify,
            // SNI takes names only, never addresses.
            ...(net.isIP(host) === 0 ? { servername: host } : {}),
          },
        }
      : {}),
    request: httpRequestBytes(spec),
    head: spec.method === 'HEAD',
  }
}

/** A probe with a per-definition cache of prepared requests. */
export function createHttpProbe(): Probe<HttpCheckSpec> {
  const prepared = new WeakMap<HttpCheckSpec, Prepared>()
  return (spec, outer) => {
    let p = prepared.get(spec)
    if (p === undefined) {
      p = prepare(spec)
      prepared.set(spec, p)
    }
    return probeOnce(spec, p, outer)
  }
}

function probeOnce(spec: HttpCheckSpec, p: Prepared, outer: AbortSignal): Promise<ProbeResult> {
  const { label } = p
  return new Promise<ProbeResult>((resolve) => {
    let settled = false
    let code = 0
    let message = ''
    let capture: OutputCapture | undefined
    const finish = (r: ProbeResult): void => {
      if (settled) return
      settled = true
      cancelDeadline()
      socket.destroy()
      resolve(r)
    }
    const fail = (why: string): void => finish({ status: 'critical', output: `${label}: ${why}` })
    const done = (): void => {
      const body = capture?.text() ?? ''
      const more = capture?.truncated === true ? ' (body truncated at 4 KiB)' : ''
      finish({
        status: statusForHttpCode(code),
        output: `${label}: ${code} ${message}${more}${body === '' ? '' : ` Output: ${body}`}`,
      })
    }
    const cancelDeadline = watchDeadline(outer, spec.timeoutMs, fail)
    const parser = new HTTPParser(HTTPParser.RESPONSE)
    parser.maxHeaderSize = MAX_HEADER_BYTES
    parser[HTTPParser.kOnHeadersComplete] = (info) => {
      code = info.statusCode
      message = info.statusMessage
      capture = new OutputCapture()
      // A HEAD answer has headers only, whatever its Content-Length says.
      return p.head ? 1 : 0
    }
    parser[HTTPParser.kOnBody] = (chunk, offset, length) => {
      if (settled || capture === undefined) return
      // Full: stop here and close the connection; the rest of the body is never read.
      if (capture.push(chunk.subarray(offset, offset + length))) {
        capture.truncated = true
        done()
      }
    }
    parser[HTTPParser.kOnMessageComplete] = () => {
      // Interim answers (100 Continue, 103 Early Hints) come before the real one.
      if (code >= 100 && code < 200 && code !== 101) return
      done()
    }
    const socket = p.tls === undefined ? net.connect(p.port, p.host) : tls.connect(p.port, p.host, p.tls)
    socket.on('data', (chunk: Buffer) => {
      if (settled) return
      const r = parser.execute(chunk)
      if (r instanceof Error) fail(`invalid HTTP response: ${r.message}`)
    })
    socket.once('end', () => {
      if (settled) return
      // A body that runs to the end of the connection is complete now; anything else was cut short.
      const r = parser.finish()
      if (settled) return
      if (r instanceof Error || capture === undefined)
        fail(capture === undefined ? 'socket hang up' : 'response aborted')
      else fail('response aborted')
    })
    socket.once('error', (e) => fail(errorText(e)))
    socket.write(p.request)
  })
}
