/**
 * Raw DNS over UDP and TCP for tests: send exact bytes, collect replies within a deadline (a
 * message that must get no reply is checked by waiting for a later one on the same socket).
 */
import { createSocket, type Socket } from 'node:dgram'
import { connect, type Socket as TcpSocket } from 'node:net'

export class UdpClient {
  private readonly sock: Socket
  private readonly port: number
  private readonly waiting = new Map<number, { accept: (b: Buffer) => boolean; done: (b: Buffer) => void }>()
  readonly received: Buffer[] = []

  private constructor(sock: Socket, port: number) {
    this.sock = sock
    this.port = port
    sock.on('message', (m) => {
      this.received.push(m)
      if (m.length >= 2) {
        const w = this.waiting.get(m.readUInt16BE(0))
        if (w?.accept(m)) {
          this.waiting.delete(m.readUInt16BE(0))
          w.done(m)
        }
      }
    })
  }

  static async open(port: number): Promise<UdpClient> {
    const sock = createSocket('udp4')
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()))
    return new UdpClient(sock, port)
  }

  send(bytes: Uint8Array): void {
    this.sock.send(bytes, this.port, '127.0.0.1')
  }

  /**
   * Sends `bytes` and waits for the reply carrying its ID (first two bytes) that `accept` takes
   * (default: any; pass `sameQuestion(bytes)` when other messages may reuse the ID).
   */
  ask(bytes: Uint8Array, timeoutMs = 3000, accept: (b: Buffer) => boolean = () => true): Promise<Buffer> {
    const id = (bytes[0]! << 8) | bytes[1]!
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiting.delete(id)
        reject(new Error(`no UDP reply for id ${id} in ${timeoutMs} ms`))
      }, timeoutMs)
      this.waiting.set(id, {
        accept,
        done: (b) => {
          clearTimeout(t)
          resolve(b)
        },
      })
      this.send(bytes)
    })
  }

  close(): void {
    this.sock.close()
  }
}

/** A reply predicate: the reply echoes the question of `query` (a message without additional records). */
export function sameQuestion(query: Uint8Array): (b: Buffer) => boolean {
  return (b) =>
    b.length >= query.length &&
    Buffer.compare(b.subarray(12, query.length), Buffer.from(query).subarray(12)) === 0 &&
    b[5] === 1
}

export class TcpClient {
  private readonly sock: TcpSocket
  private buf = Buffer.alloc(0)
  readonly replies: Buffer[] = []
  closed = false

  private constructor(sock: TcpSocket) {
    this.sock = sock
    sock.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d])
      while (this.buf.length >= 2 && this.buf.length >= 2 + this.buf.readUInt16BE(0)) {
        this.replies.push(this.buf.subarray(2, 2 + this.buf.readUInt16BE(0)))
        this.buf = this.buf.subarray(2 + this.buf.readUInt16BE(0))
      }
    })
    sock.on('close', () => {
      this.closed = true
    })
    sock.on('error', () => {})
  }

  static open(port: number): Promise<TcpClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port }, () => resolve(new TcpClient(s)))
      s.once('error', reject)
    })
  }

  /** Writes raw bytes (no framing added). */
  writeRaw(bytes: Uint8Array): void {
    if (!this.sock.destroyed) this.sock.write(bytes)
  }

  /** Writes one length-prefixed message. */
  write(msg: Uint8Array): void {
    this.writeRaw(Buffer.concat([Buffer.from([msg.length >> 8, msg.length & 255]), msg]))
  }

  close(): void {
    this.sock.destroy()
  }
}
