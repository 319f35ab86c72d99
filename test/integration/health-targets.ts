import { execFileSync } from 'node:child_process'
import http from 'node:http'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import type { CheckSpec } from '../../agent/health/check-spec.ts'
import { validateCheck } from '../../agent/health/validate-check.ts'
import { requireTool } from '../setup/tools.ts'

/** Real local targets for the health probes, on 127.0.0.1 port 0. */

export function specOf<T extends CheckSpec['type']>(
  def: Record<string, unknown>,
): Extract<CheckSpec, { type: T }> {
  const r = validateCheck(def, { scriptChecksEnabled: true, defaultId: 'test' })
  if (!r.ok) throw new Error(r.error.map((p) => `${p.field}: ${p.message}`).join('; '))
  return r.value as Extract<CheckSpec, { type: T }>
}

export interface TargetServer {
  readonly url: string
  readonly port: number
  /** How many bytes /huge wrote before the client went away. */
  hugeBytesWritten: number
  /** The last request /echo saw. */
  lastEcho?: { method: string; headers: http.IncomingHttpHeaders; body: string }
  close(): Promise<void>
}

const HUGE_LIMIT = 64 * 1024 * 1024

function handler(state: TargetServer): http.RequestListener {
  return (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    switch (path) {
      case '/ok':
        res.writeHead(200, { 'content-type': 'text/plain' }).end('all good')
        return
      case '/busy':
        res.writeHead(429).end('slow down')
        return
      case '/err':
        res.writeHead(500).end('boom')
        return
      case '/redirect':
        res.writeHead(302, { location: '/ok' }).end()
        return
      case '/slow':
        // Never answers: only the client's timeout ends this.
        return
      case '/echo': {
        let body = ''
        req.on('data', (c: Buffer) => {
          body += c.toString('utf8')
        })
        req.on('end', () => {
          state.lastEcho = { method: req.method ?? '', headers: req.headers, body }
          res.writeHead(200).end('echoed')
        })
        return
      }
      case '/huge': {
        res.writeHead(200, { 'content-type': 'application/octet-stream' })
        const chunk = Buffer.alloc(64 * 1024, 'x')
        state.hugeBytesWritten = 0
        const pump = (): void => {
          while (state.hugeBytesWritten < HUGE_LIMIT && !res.destroyed) {
            state.hugeBytesWritten += chunk.length
            if (!res.write(chunk)) {
              res.once('drain', pump)
              return
            }
          }
          if (!res.destroyed) res.end()
        }
        pump()
        return
      }
      default:
        res.writeHead(404).end()
    }
  }
}

async function listen(server: http.Server, state: TargetServer, scheme: string): Promise<TargetServer> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  Object.assign(state, {
    url: `${scheme}://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  })
  return state
}

export function startHttpTarget(): Promise<TargetServer> {
  const state = { hugeBytesWritten: 0 } as TargetServer
  return listen(http.createServer(handler(state)), state, 'http')
}

/** A self-signed certificate for 127.0.0.1 made with openssl, or undefined when openssl is missing. */
/** A throwaway certificate for 127.0.0.1 made with openssl (installed by the test setup; a missing one fails loudly). */
export function selfSignedCert(): { key: string; cert: string } {
  {
    const out = execFileSync(
      requireTool('openssl'),
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-days',
        '1',
        '-keyout',
        '-',
        '-out',
        '-',
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 },
    )
    const key = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/.exec(out)?.[0]
    const cert = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(out)?.[0]
    if (key === undefined || cert === undefined)
      throw new Error(`openssl did not print a key and a certificate:\n${out}`)
    return { key, cert }
  }
}

export function startHttpsTarget(tls: { key: string; cert: string }): Promise<TargetServer> {
  const state = { hugeBytesWritten: 0 } as TargetServer
  return listen(https.createServer(tls, handler(state)), state, 'https')
}
