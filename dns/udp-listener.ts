import { createSocket, type RemoteInfo, type Socket } from 'node:dgram'
import type { Logger } from 'pino'
import { truncatedResponse } from './assemble.ts'
import type { Outcome } from './handlers/types.ts'
import type { DnsMetrics } from './metrics.ts'
import type { QueryParse } from './query.ts'
import type { ResponseRateLimiter } from './rate-limit.ts'

/** The UDP socket: one datagram in, at most one datagram out, rate limited when configured. */

export type HandleFn = (
  raw: Uint8Array,
  transport: 'udp' | 'tcp',
  source: { address: string; port: number },
) => { parsed: QueryParse; outcome: Outcome | Promise<Outcome> }

/**
 * Replies go to the sender's address, always an IP literal: skip dns.lookup (which defers every
 * send to the next tick) and hand the address straight back.
 */
function literalLookup(
  address: string,
  family: unknown,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  callback(null, address, family === 6 || address.includes(':') ? 6 : 4)
}

export class UdpListener {
  private readonly logger: Logger
  private readonly handle: HandleFn
  private readonly limiter: ResponseRateLimiter | undefined
  private readonly metrics: DnsMetrics
  private socket: Socket | undefined

  constructor(components: {
    logger: Logger
    handle: HandleFn
    limiter: ResponseRateLimiter | undefined
    metrics: DnsMetrics
  }) {
    this.logger = components.logger
    this.handle = components.handle
    this.limiter = components.limiter
    this.metrics = components.metrics
  }

  async start(host: string, port: number, recvBufferSize?: number): Promise<number> {
    // A large receive buffer absorbs bursts (the kernel caps it at net.core.rmem_max); a dropped
    // query costs the client a full retry timeout.
    const sock = createSocket({
      type: host.includes(':') ? 'udp6' : 'udp4',
      lookup: literalLookup,
      ...(recvBufferSize ? { recvBufferSize } : {}),
    })
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject)
      sock.bind(port, host, () => {
        sock.off('error', reject)
        resolve()
      })
    })
    // Send errors (e.g. ENOBUFS under a flood) arrive here: log at most one a second.
    let lastLog = 0
    sock.on('error', (err) => {
      const t = Date.now()
      if (t - lastLog < 1000) return
      lastLog = t
      this.logger.warn({ err }, 'udp socket error')
    })
    sock.on('message', (msg, rinfo) => this.onMessage(msg, rinfo))
    this.socket = sock
    return sock.address().port
  }

  private onMessage(msg: Buffer, rinfo: RemoteInfo): void {
    let r: ReturnType<HandleFn>
    try {
      r = this.handle(msg, 'udp', rinfo)
    } catch (err) {
      this.logger.error({ err }, 'udp handler threw')
      return
    }
    const o = r.outcome
    if (o instanceof Promise) {
      o.then(
        (out) => this.send(out, msg, r.parsed, rinfo),
        (err: unknown) => this.logger.error({ err }, 'udp handler failed'),
      )
    } else {
      this.send(o, msg, r.parsed, rinfo)
    }
  }

  private send(out: Outcome, msg: Buffer, parsed: QueryParse, rinfo: RemoteInfo): void {
    const sock = this.socket
    if (sock === undefined) return
    if (out.kind === 'drop') {
      this.metrics.dropped(out.reason)
      return
    }
    let bytes = out.bytes
    if (this.limiter !== undefined) {
      const d = this.limiter.check(rinfo.address)
      if (d === 'drop' || (d === 'slip' && !parsed.ok)) {
        this.metrics.dropped('rate limited')
        return
      }
      if (d === 'slip' && parsed.ok) bytes = truncatedResponse(msg, parsed.query)
    }
    // Source port 0 is never a real client (and Node's send throws on it): spoofed, so no reply.
    if (rinfo.port === 0) {
      this.metrics.dropped('source port 0')
      return
    }
    this.metrics.response('udp', out.rcode, out.via, parsed.ok ? parsed.query.qtype : undefined)
    try {
      sock.send(bytes, rinfo.port, rinfo.address)
    } catch (err) {
      this.logger.debug({ err }, 'udp send failed')
    }
  }

  async stop(): Promise<void> {
    const sock = this.socket
    this.socket = undefined
    if (sock === undefined) return
    await new Promise<void>((resolve) => sock.close(() => resolve()))
  }
}
