import { createSocket, type RemoteInfo, type Socket } from 'node:dgram'
import type { Logger } from 'pino'
import { truncatedResponse } from './assemble.ts'
import type { Outcome } from './handlers/types.ts'
import type { DnsMetrics } from './metrics.ts'
import type { QueryParse } from './query.ts'
import type { ResponseRateLimiter } from './rate-limit.ts'
import { type BatchSocket, type BatchUdpAddon, batchUdp, type UdpIo } from './udp-batch.ts'

/**
 * The UDP socket: one datagram in, at most one datagram out, rate limited when configured. Two
 * ways to do the I/O, answering the same: the batched addon (udp-batch.ts; recvmmsg/sendmmsg, one
 * JavaScript call per batch), used when it was built, and node:dgram (one call per datagram).
 */

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
  private batch: { addon: BatchUdpAddon; sock: BatchSocket } | undefined
  /** Which I/O the running listener uses, and why (logged at start). */
  io: { kind: UdpIo; reason: string } | undefined
  /** Replies to the current batch: bytes in `out`, (datagram, offset, length) triples in `plan`. */
  private readonly out = new Uint8Array(256 * 1024)
  private plan = new Int32Array(0)

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
    const { addon, reason } = batchUdp()
    if (addon !== undefined) {
      const family = host.includes(':') ? 6 : 4
      try {
        const sock = addon.open(family, host, port, recvBufferSize ?? 0, (n) => this.onBatch(n))
        this.batch = { addon, sock }
        this.plan = new Int32Array(sock.batch * 3)
        this.io = { kind: 'batch', reason }
        return sock.port
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code
        // A bind error is the user's to fix, whichever I/O: say it the same way node:dgram would.
        if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') throw err
        this.io = { kind: 'dgram', reason: `addon failed to open: ${(err as Error).message}` }
      }
    } else {
      this.io = { kind: 'dgram', reason }
    }
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

  /** One batch from the addon: datagram i is input[i × slot, + length), valid until we return. */
  private onBatch(n: number): void {
    const b = this.batch
    if (b === undefined) return
    const { addon, sock } = b
    const { meta, metaFields: f, slot } = sock
    let replies = 0
    let off = 0
    const flush = (): void => {
      if (replies > 0) addon.reply(sock.handle, this.out, this.plan, replies)
      replies = 0
      off = 0
    }
    for (let i = 0; i < n; i++) {
      const len = meta[i * f] ?? 0
      const port = meta[i * f + 2] ?? 0
      if ((meta[i * f + 3] ?? 0) !== 0) {
        this.metrics.dropped('oversized')
        continue
      }
      const raw = new Uint8Array(sock.input, i * slot, len)
      const source = lazySource(addon, sock.handle, i, port)
      let r: ReturnType<HandleFn>
      try {
        r = this.handle(raw, 'udp', source)
      } catch (err) {
        this.logger.error({ err }, 'udp handler threw')
        continue
      }
      const o = r.outcome
      if (o instanceof Promise) {
        // Finishes after this batch: keep a copy of the query and the address.
        const msg = raw.slice()
        const address = source.address
        o.then(
          (out) => {
            const bytes = this.decide(out, msg, r.parsed, address, port)
            if (bytes === undefined || this.batch === undefined) return
            this.batch.addon.sendTo(this.batch.sock.handle, bytes, address, port)
          },
          (err: unknown) => this.logger.error({ err }, 'udp handler failed'),
        )
        continue
      }
      const bytes = this.decide(o, raw, r.parsed, this.limiter === undefined ? '' : source.address, port)
      if (bytes === undefined) continue
      if (bytes.length > this.out.length) {
        addon.sendTo(sock.handle, bytes, source.address, port)
        continue
      }
      if (off + bytes.length > this.out.length) flush()
      this.out.set(bytes, off)
      this.plan[replies * 3] = i
      this.plan[replies * 3 + 1] = off
      this.plan[replies * 3 + 2] = bytes.length
      replies++
      off += bytes.length
    }
    flush()
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

  /** The bytes to send for an outcome, or undefined (dropped, rate limited, spoofed source), counted. */
  private decide(
    out: Outcome,
    msg: Uint8Array,
    parsed: QueryParse,
    address: string,
    port: number,
  ): Uint8Array | undefined {
    if (out.kind === 'drop') {
      this.metrics.dropped(out.reason)
      return undefined
    }
    let bytes = out.bytes
    if (this.limiter !== undefined) {
      const d = this.limiter.check(address)
      if (d === 'drop' || (d === 'slip' && !parsed.ok)) {
        this.metrics.dropped('rate limited')
        return undefined
      }
      if (d === 'slip' && parsed.ok) bytes = truncatedResponse(msg, parsed.query)
    }
    // Source port 0 is never a real client (and Node's send throws on it): spoofed, so no reply.
    if (port === 0) {
      this.metrics.dropped('source port 0')
      return undefined
    }
    this.metrics.response('udp', out.rcode, out.via, parsed.ok ? parsed.query.qtype : undefined)
    return bytes
  }

  private send(out: Outcome, msg: Buffer, parsed: QueryParse, rinfo: RemoteInfo): void {
    const sock = this.socket
    if (sock === undefined) return
    const bytes = this.decide(out, msg, parsed, rinfo.address, rinfo.port)
    if (bytes === undefined) return
    try {
      sock.send(bytes, rinfo.port, rinfo.address)
    } catch (err) {
      this.logger.debug({ err }, 'udp send failed')
    }
  }

  async stop(): Promise<void> {
    const b = this.batch
    this.batch = undefined
    if (b !== undefined) b.addon.close(b.sock.handle)
    const sock = this.socket
    this.socket = undefined
    if (sock === undefined) return
    await new Promise<void>((resolve) => sock.close(() => resolve()))
  }
}

/** The source of datagram i: the port now, the address string only if something asks for it. */
function lazySource(
  addon: BatchUdpAddon,
  handle: unknown,
  i: number,
  port: number,
): { readonly address: string; readonly port: number } {
  let address: string | undefined
  return {
    get address(): string {
      address ??= addon.address(handle, i)
      return address
    },
    port,
  }
}
