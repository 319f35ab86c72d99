import { createServer, type Server, type Socket } from 'node:net'
import type { Logger } from 'pino'
import type { DnsMetrics } from './metrics.ts'
import type { HandleFn } from './udp-listener.ts'

/**
 * The TCP listener (RFC 7766): 2-byte length-prefixed messages, several per connection, replies
 * in completion order. An idle connection is closed after `idleTimeoutMs`; beyond
 * `maxConnections` new connections are closed at once. A zero-length frame closes the connection.
 */
export class TcpListener {
  private readonly logger: Logger
  private readonly handle: HandleFn
  private readonly metrics: DnsMetrics
  private readonly idleTimeoutMs: number
  private readonly maxConnections: number
  private server: Server | undefined
  private readonly sockets = new Set<Socket>()

  constructor(
    components: { logger: Logger; handle: HandleFn; metrics: DnsMetrics },
    init: { idleTimeoutMs: number; maxConnections: number },
  ) {
    this.logger = components.logger
    this.handle = components.handle
    this.metrics = components.metrics
    this.idleTimeoutMs = init.idleTimeoutMs
    this.maxConnections = init.maxConnections
  }

  get connections(): number {
    return this.sockets.size
  }

  async start(host: string, port: number): Promise<number> {
    const server = createServer((s) => this.onConnection(s))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen({ host, port }, () => {
        server.off('error', reject)
        resolve()
      })
    })
    server.on('error', (err) => this.logger.warn({ err }, 'tcp server error'))
    this.server = server
    const addr = server.address()
    return typeof addr === 'object' && addr !== null ? addr.port : port
  }

  private onConnection(s: Socket): void {
    if (this.sockets.size >= this.maxConnections) {
      this.metrics.dropped('tcp connection limit')
      s.destroy()
      return
    }
    this.sockets.add(s)
    s.setNoDelay(true)
    s.setTimeout(this.idleTimeoutMs, () => s.destroy())
    s.on('close', () => this.sockets.delete(s))
    s.on('error', () => s.destroy())
    const source = { address: s.remoteAddress ?? '', port: s.remotePort ?? 0 }
    let buf: Buffer = Buffer.alloc(0)
    s.on('data', (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk])
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0)
        if (len === 0) {
          s.destroy()
          return
        }
        if (buf.length < 2 + len) return
        const msg = buf.subarray(2, 2 + len)
        buf = buf.subarray(2 + len)
        this.onMessage(s, msg, source)
      }
    })
  }

  private onMessage(s: Socket, msg: Buffer, source: { address: string; port: number }): void {
    let r: ReturnType<HandleFn>
    try {
      r = this.handle(msg, 'tcp', source)
    } catch (err) {
      this.logger.error({ err }, 'tcp handler threw')
      s.destroy()
      return
    }
    const write = (out: Awaited<typeof r.outcome>) => {
      if (out.kind === 'drop') {
        this.metrics.dropped(out.reason)
        return
      }
      if (s.destroyed) return
      this.metrics.response('tcp', out.rcode, out.via, r.parsed.ok ? r.parsed.query.qtype : undefined)
      const frame = Buffer.allocUnsafe(2 + out.bytes.length)
      frame.writeUInt16BE(out.bytes.length, 0)
      frame.set(out.bytes, 2)
      s.write(frame)
    }
    const o = r.outcome
    if (o instanceof Promise)
      o.then(write, (err: unknown) => this.logger.error({ err }, 'tcp handler failed'))
    else write(o)
  }

  async stop(): Promise<void> {
    const server = this.server
    this.server = undefined
    if (server === undefined) return
    for (const s of this.sockets) s.destroy()
    this.sockets.clear()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}
