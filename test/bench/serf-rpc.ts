import { connect, type Socket } from 'node:net'
import { Decoder, Encoder } from '@msgpack/msgpack'

/**
 * A minimal client of Serf's RPC protocol (msgpack over TCP: a request header map
 * {Command, Seq} plus an optional body; responses are a header {Seq, Error} plus a body for
 * some commands; `stream` keeps sending events under its Seq). Used only to measure Serf in
 * the comparison benchmarks, so timestamps are taken the moment an event arrives.
 */
export interface SerfEvent {
  readonly Event: string
  readonly Name?: string
  readonly Members?: ReadonlyArray<{ Name: string; Status: string; Tags?: Record<string, string> }>
  readonly [k: string]: unknown
}

type Pending = { resolve: (body: unknown) => void; reject: (e: Error) => void; wantsBody: boolean }

export class SerfRpc {
  private readonly socket: Socket
  private readonly encoder = new Encoder()
  private seq = 0
  private readonly pending = new Map<number, Pending>()
  private readonly streams = new Map<number, (e: SerfEvent) => void>()
  private readonly awaitingBody: number[] = []

  private constructor(socket: Socket) {
    this.socket = socket
    const decoder = new Decoder()
    const stream = (async function* (s: Socket) {
      for await (const chunk of s) yield chunk as Uint8Array
    })(socket)
    void (async () => {
      try {
        for await (const obj of decoder.decodeStream(stream)) this.onMessage(obj as Record<string, unknown>)
      } catch {
        // socket closed
      }
    })()
  }

  static async connect(addr: string): Promise<SerfRpc> {
    const [host, port] = addr.split(':') as [string, string]
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host, port: Number(port) }, () => resolve(s))
      s.once('error', reject)
    })
    const rpc = new SerfRpc(socket)
    await rpc.call('handshake', { Version: 1 }, false)
    return rpc
  }

  private onMessage(obj: Record<string, unknown>): void {
    // A body follows a header for commands that answer with one; bodies have no Seq/Error pair.
    const isHeader = 'Seq' in obj && 'Error' in obj && Object.keys(obj).length === 2
    if (!isHeader) {
      const seq = this.awaitingBody.shift()
      if (seq === undefined) return
      const stream = this.streams.get(seq)
      if (stream !== undefined) {
        stream(obj as unknown as SerfEvent)
        return
      }
      const p = this.pending.get(seq)
      this.pending.delete(seq)
      p?.resolve(obj)
      return
    }
    const seq = obj.Seq as number
    const error = obj.Error as string
    const p = this.pending.get(seq)
    if (p !== undefined) {
      if (error !== '') {
        this.pending.delete(seq)
        p.reject(new Error(`serf rpc: ${error}`))
      } else if (p.wantsBody) this.awaitingBody.push(seq)
      else {
        this.pending.delete(seq)
        p.resolve(undefined)
      }
      return
    }
    if (this.streams.has(seq)) this.awaitingBody.push(seq)
  }

  call(command: string, body: unknown, wantsBody: boolean): Promise<unknown> {
    const seq = this.seq++
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject, wantsBody })
      this.socket.write(this.encoder.encode({ Command: command, Seq: seq }))
      if (body !== undefined) this.socket.write(this.encoder.encode(body))
    })
  }

  /** Subscribe to events (`Type` is Serf's filter, e.g. "user:probe,member-failed"). */
  async stream(type: string, onEvent: (e: SerfEvent) => void): Promise<void> {
    const seq = this.seq++
    this.streams.set(seq, onEvent)
    await new Promise<void>((resolve, reject) => {
      this.pending.set(seq, { resolve: () => resolve(), reject, wantsBody: false })
      this.socket.write(this.encoder.encode({ Command: 'stream', Seq: seq }))
      this.socket.write(this.encoder.encode({ Type: type }))
    })
  }

  /** Fire a user event (no coalescing, so it is delivered as soon as it arrives). */
  event(name: string, payload: string): Promise<unknown> {
    return this.call(
      'event',
      { Name: name, Payload: new TextEncoder().encode(payload), Coalesce: false },
      false,
    )
  }

  async members(): Promise<Array<{ Name: string; Status: string }>> {
    const body = (await this.call('members', undefined, true)) as {
      Members: Array<{ Name: string; Status: string }>
    }
    return body.Members
  }

  close(): void {
    this.socket.destroy()
  }
}
