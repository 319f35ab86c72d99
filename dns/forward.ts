import { randomInt } from 'node:crypto'
import { createSocket } from 'node:dgram'
import { connect } from 'node:net'
import type { Logger } from 'pino'
import type { Transport } from './assemble.ts'
import type { Recursor } from './options.ts'
import { lowerByte, type ParsedQuery } from './query.ts'
import { FLAG, HEADER_SIZE, RCODE } from './wire-constants.ts'

/**
 * Forwarding to upstream recursors: the query's bytes go out unchanged except for a fresh random
 * ID, over the transport the client used. A reply counts when its ID, QR bit and question match;
 * SERVFAIL/REFUSED, a timeout or an error moves on to the next recursor. Undefined = all failed.
 */

export interface ForwarderInit {
  readonly recursors: readonly Recursor[]
  readonly timeoutMs: number
  readonly maxInFlight: number
}

function sameQuestion(reply: Uint8Array, query: Uint8Array, q: ParsedQuery): boolean {
  if (reply.length < q.questionEnd || reply[4] !== 0 || reply[5] !== 1) return false
  for (let i = HEADER_SIZE; i < q.questionEnd; i++)
    if (lowerByte(reply[i]!) !== lowerByte(query[i]!)) return false
  return true
}

function withId(bytes: Uint8Array, id: number): Uint8Array {
  const out = Uint8Array.from(bytes)
  out[0] = id >> 8
  out[1] = id & 0xff
  return out
}

function askUdp(
  r: Recursor,
  msg: Uint8Array,
  timeoutMs: number,
  accept: (b: Uint8Array) => boolean,
): Promise<Uint8Array | undefined> {
  return new Promise((resolve) => {
    const sock = createSocket(r.host.includes(':') ? 'udp6' : 'udp4')
    let done = false
    const finish = (v: Uint8Array | undefined) => {
      if (done) return
      done = true
      clearTimeout(timer)
      sock.close()
      resolve(v)
    }
    const timer = setTimeout(() => finish(undefined), timeoutMs)
    sock.on('error', () => finish(undefined))
    // A connected socket: the kernel delivers only datagrams from the recursor's address and port.
    sock.on('message', (b) => {
      if (accept(b)) finish(b)
    })
    sock.connect(r.port, r.host, () => {
      if (done) return
      sock.send(msg, (err) => {
        if (err) finish(undefined)
      })
    })
  })
}

function askTcp(
  r: Recursor,
  msg: Uint8Array,
  timeoutMs: number,
  accept: (b: Uint8Array) => boolean,
): Promise<Uint8Array | undefined> {
  return new Promise((resolve) => {
    const sock = connect({ host: r.host, port: r.port })
    let buf = Buffer.alloc(0)
    let done = false
    const finish = (v: Uint8Array | undefined) => {
      if (done) return
      done = true
      clearTimeout(timer)
      sock.destroy()
      resolve(v)
    }
    const timer = setTimeout(() => finish(undefined), timeoutMs)
    sock.on('error', () => finish(undefined))
    sock.on('close', () => finish(undefined))
    sock.on('connect', () => {
      if (done) return
      const frame = Buffer.alloc(2 + msg.length)
      frame.writeUInt16BE(msg.length, 0)
      frame.set(msg, 2)
      sock.write(frame)
    })
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk])
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0)
        if (buf.length < 2 + len) return
        const m = buf.subarray(2, 2 + len)
        buf = buf.subarray(2 + len)
        if (accept(m)) return finish(m)
      }
    })
  })
}

export class Forwarder {
  private readonly logger: Logger
  private readonly init: ForwarderInit
  private inFlight = 0

  constructor(components: { logger: Logger }, init: ForwarderInit) {
    this.logger = components.logger
    this.init = init
  }

  async forward(query: Uint8Array, q: ParsedQuery, transport: Transport): Promise<Uint8Array | undefined> {
    if (this.inFlight >= this.init.maxInFlight) return undefined
    this.inFlight++
    try {
      for (const r of this.init.recursors) {
        const id = randomInt(0, 65536)
        const accept = (b: Uint8Array) =>
          b.length >= HEADER_SIZE &&
          ((b[0]! << 8) | b[1]!) === id &&
          (b[2]! & (FLAG.QR >> 8)) !== 0 &&
          sameQuestion(b, query, q)
        const msg = withId(query, id)
        const ask = transport === 'tcp' ? askTcp : askUdp
        const reply = await ask(r, msg, this.init.timeoutMs, accept)
        const rcode = reply === undefined ? -1 : reply[3]! & 0x0f
        if (reply !== undefined && rcode !== RCODE.SERVFAIL && rcode !== RCODE.REFUSED)
          return withId(reply, q.id)
        this.logger.debug(
          {
            recursor: `${r.host}:${r.port}`,
            outcome: reply === undefined ? 'timeout or error' : `rcode ${rcode}`,
          },
          'recursor failed',
        )
      }
      return undefined
    } finally {
      this.inFlight--
    }
  }
}
