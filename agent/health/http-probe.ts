import http from 'node:http'
import https from 'node:https'
import type { CheckStatus } from '../../crdt/schema.ts'
import type { HttpCheckSpec } from './check-spec.ts'
import { abortReason, errorText, OutputCapture, type ProbeResult, probeSignal } from './probe.ts'

/**
 * HTTP(S) check: one request on a fresh connection, redirects never followed, TLS verified
 * unless `tlsSkipVerify`. 2xx is passing, 429 warning, anything else critical. At most 4 KiB of
 * the body is read; then the connection is destroyed, so a huge body costs nothing.
 */
export function statusForHttpCode(code: number): CheckStatus {
  if (code >= 200 && code < 300) return 'passing'
  if (code === 429) return 'warning'
  return 'critical'
}

export function httpProbe(spec: HttpCheckSpec, outer: AbortSignal): Promise<ProbeResult> {
  const signal = probeSignal(outer, spec.timeoutMs)
  const url = new URL(spec.url)
  const shown = new URL(spec.url)
  shown.username = ''
  shown.password = ''
  // Outputs are gossiped: never include credentials from the URL.
  const label = `HTTP ${spec.method} ${shown.href}`
  return new Promise<ProbeResult>((resolve) => {
    let settled = false
    const finish = (r: ProbeResult): void => {
      if (settled) return
      settled = true
      signal.removeEventListener('abort', onAbort)
      req.destroy()
      resolve(r)
    }
    const onAbort = (): void =>
      finish({ status: 'critical', output: `${label}: ${abortReason(signal, outer, spec.timeoutMs)}` })
    const headers: Record<string, string[]> = { 'user-agent': ['grapevine-health-check'] }
    for (const [k, v] of Object.entries(spec.headers)) headers[k.toLowerCase()] = [...v]
    const options: https.RequestOptions = {
      method: spec.method,
      headers: { ...headers, connection: 'close' },
      agent: false,
      ...(url.protocol === 'https:' ? { rejectUnauthorized: !spec.tlsSkipVerify } : {}),
    }
    const mod = url.protocol === 'https:' ? https : http
    const req = mod.request(url, options, (res) => {
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
    req.on('error', (e) => {
      if (signal.aborted) onAbort()
      else finish({ status: 'critical', output: `${label}: ${errorText(e)}` })
    })
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    req.end(spec.body)
  })
}
