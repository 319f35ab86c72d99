/**
 * Runtime errors of the DNS server. dns/ may not import agent/, so it has its own class with the
 * same shape as the agent's GrapevineError (a stable `code`); the agent maps it at the edge.
 * Codes: DNS_CONFIG_INVALID (an option is out of range: fix the listed keys),
 * DNS_BIND_FAILED (the UDP or TCP address is taken or not permitted: pick another port, or grant
 * CAP_NET_BIND_SERVICE for port 53).
 */
export type DnsErrorCode = 'DNS_CONFIG_INVALID' | 'DNS_BIND_FAILED'

export class DnsError extends Error {
  readonly code: DnsErrorCode
  readonly details?: Readonly<Record<string, unknown>>

  constructor(
    code: DnsErrorCode,
    message: string,
    details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.name = 'DnsError'
    this.code = code
    if (details !== undefined) this.details = details
  }
}
