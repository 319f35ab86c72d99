import http from 'node:http'
import https from 'node:https'
import type { CheckStatus } from '../../crdt/schema.ts'
import type { HttpCheckSpec } from './check-spec.ts'
import { errorText, OutputCapture, type Probe, type ProbeResult, watchDeadline } from './probe.ts'

/**
 * HTTP(S) check: one request on a fresh connection (no keep-alive: each check proves the
 * server still accepts connections), redirects never followed, TLS verified unless
 * `tlsSkipVerify`. 2xx is passing, 429 warning, anything else critical. At most 4 KiB of the
 * body is read; then the connection is destroyed, so a huge body costs nothing.
 */
export function statusForHttpCode(code: number): CheckStatus {
  if (code >= 200 && code < 300) return 'passing'
  if (code === 429) return 'warning'
  return 'critical'
}

interface Prepared {
  readonly label: string
  readonly options: https.RequestOptions
  readonly module: typeof http | typeof https
}

/** A probe with its own connection agents and a per-spec cache of parsed requests. */
export function createHttpProbe(): Probe<HttpCheckSpec> {
  const httpAgent = new http.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY })
  const httpsAgent = new https.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY })
  const prepared = new WeakMap<HttpCheckSpec, Prepared>()
  const prepare = (spec: HttpCheckSpec): Prepared => {
    const cached = prepared.get(spec)
    if (cached !== undefined) return cached
    const url = new URL(spec.url)
    const shown = new URL(spec.url)
    shown.username = ''
    shown.password = ''
    const secure = url.protocol === 'https:'
    const headers: Record<string, string[]> = { 'user-agent': ['grapevine-health-check'] }
    for (const [k, v] of Object.entries(spec.headers)) headers[k.toLowerCase()] = [...v]
    const p: Prepared = {
      // Outputs are gossiped: never include credentials from the URL.
      label: `HTTP ${spec.method} ${shown.href}`,
      options: {
        protocol: url.protocol,
        // URL keeps IPv6 hosts in brackets; the socket wants them bare.
        hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
        port: url.port === '' ? (secure ? 443 : 80) : Number(url.port),
        path: `${url.pathname}${url.search}`,
        ...(url.username !== '' || url.password !== ''
          ? { auth: `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` }
          : {}),
        method: spec.method,
        headers: { ...headers, connection: 'close' },
        agent: secure ? httpsAgent : httpAgent,
        ...(secure ? { rejectUnauthorized: !spec.tlsSkipVerify } : {}),
      },
      module: secure ? https : http,
    }
    prepared.set(spec, p)
    return p
  }
  return (spec, outer) => probeOnce(spec, prepare(spec), outer)
}

function probeOnce(spec: HttpCheckSpec, p: Prepared, outer: AbortSignal): Promise<ProbeResult> {
  const { label } = p
  return new Promise<ProbeResult>((resolve) => {
    let settled = false
    const finish = (r: ProbeResult): void => {
      if (settled) return
      settled = true
      cancelDeadline()
      req.destroy()
      resolve(r)
    }
    const cancelDeadline = watchDeadline(outer, spec.timeoutMs, (why) =>
      finish({ status: 'critical', output: `${label}: ${why}` }),
    )
    const req = p.module.request(p.options, (res) => {
      const code = res.statusCode ?? 0
      const capture = new OutputCapture()
      const done = (): void => {
        const body = capture.text()
        const more = capture.truncated ? ' (body truncated at 4 KiB)' : ''
        finish({
          status: statusForHttpCode(code),
          output: `${label}: ${code} ${res.statusMessage ?? ''}${more}${body === '' ? '' : ` Output: ${body}`}`,
        })
      }
      res.on('data', (chunk: Buffer) => {
        if (capture.push(chunk)) {
          // Full: stop here and close the connection; the rest of the body is never read.
          capture.truncated = true
          done()
        }
      })
      res.on('end', done)
      res.on('error', (e) => finish({ status: 'critical', output: `${label}: ${errorText(e)}` }))
      res.on('aborted', () => finish({ status: 'critical', output: `${label}: response aborted` }))
    })
    req.on('error', (e) => finish({ status: 'critical', output: `${label}: ${errorText(e)}` }))
    req.end(spec.body)
  })
}
