import { err, ok, type Result } from '../../crdt/result.ts'

/** `host:port` or `[v6]:port` as check targets are written. Pure. */
export function parseHostPort(text: string): Result<{ host: string; port: number }, string> {
  let host: string
  let portText: string
  if (text.startsWith('[')) {
    const close = text.indexOf(']')
    if (close < 0 || text[close + 1] !== ':') return err(`"${text}" is not host:port ([v6]:port for IPv6)`)
    host = text.slice(1, close)
    portText = text.slice(close + 2)
  } else {
    const colon = text.lastIndexOf(':')
    if (colon <= 0 || text.indexOf(':') !== colon) {
      return err(`"${text}" is not host:port (write IPv6 addresses as [::1]:port)`)
    }
    host = text.slice(0, colon)
    portText = text.slice(colon + 1)
  }
  if (host === '' || /[\s/]/.test(host)) return err(`"${text}" has no valid host`)
  if (!/^[0-9]{1,5}$/.test(portText)) return err(`"${text}" has no valid port`)
  const port = Number(portText)
  if (port < 1 || port > 65535) return err(`port ${port} in "${text}" is outside 1-65535`)
  return ok({ host, port })
}
