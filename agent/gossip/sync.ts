import type { Connection, PeerId, Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import type { Logger } from 'pino'
import type { Digest } from '../../crdt/catalog.ts'
import type { Entry } from '../../crdt/entry.ts'
import { decodeFrame, describeWireError, encodeFrame, type Frame } from '../../crdt/wire.ts'
import type { CatalogStore } from '../catalog/store.ts'
import { GrapevineError } from '../errors.ts'
import { batchEntries } from './broadcast.ts'
import type { GossipMetrics } from './metrics.ts'
import type { GrapevineLibp2p } from './node.ts'
import { SYNC_PROTOCOL } from './topics.ts'

/**
 * Anti-entropy over `/grapevine/sync/1.0.0`, length-prefixed JSON frames (crdt/wire.ts):
 *
 *   initiator                          responder
 *   digest(mine)             ───────▶
 *                            ◀───────  entries* (newer than my digest), digest(theirs)
 *   entries* (newer than theirs), end ─▶
 *
 * Both sides merge with `mergeRemote`, which verifies every record's origin signature: the
 * partner relays records it does not own, so trust is end to end, never in the relayer.
 * Every read has a timeout; any failure aborts the stream (the partner sees a reset).
 */

export interface SyncComponents {
  readonly node: GrapevineLibp2p
  readonly store: CatalogStore
  readonly logger: Logger
  readonly metrics: GossipMetrics
}

export interface SyncInit {
  /** Entries per frame are batched up to this many bytes. Default 256 KiB. */
  readonly maxFrameBytes?: number
  /** Largest frame accepted from a partner (a digest of a very large fleet). Default 4 MiB. */
  readonly maxDataLength?: number
  /** Timeout of every single read, and of opening the stream (ms). Default 10 000. */
  readonly readTimeoutMs?: number
}

export interface SyncStats {
  readonly received: number
  readonly applied: number
  readonly sent: number
}

type Lp = ReturnType<typeof lpStream<Stream>>

export class SyncProtocol {
  private readonly components: SyncComponents
  private readonly maxFrameBytes: number
  private readonly maxDataLength: number
  private readonly readTimeoutMs: number
  private started = false
  /** Exchanges completed in either role. */
  completed = 0

  constructor(components: SyncComponents, init: SyncInit = {}) {
    this.components = components
    this.maxFrameBytes = init.maxFrameBytes ?? 256 * 1024
    this.maxDataLength = init.maxDataLength ?? 4 * 1024 * 1024
    this.readTimeoutMs = init.readTimeoutMs ?? 10_000
  }

  async start(): Promise<void> {
    if (this.started) return
    this.started = true
    await this.components.node.handle(
      SYNC_PROTOCOL,
      (stream, connection) => {
        // lpStream attaches to the stream at once: data arriving before the first read is
        // buffered by it, not by the raw stream (which would abort past its read buffer).
        const lp = lpStream(stream, { maxDataLength: this.maxDataLength })
        return this.respond(stream, lp, connection)
      },
      { maxInboundStreams: 4, force: true },
    )
  }

  async stop(): Promise<void> {
    if (!this.started) return
    this.started = false
    await this.components.node.unhandle(SYNC_PROTOCOL)
  }

  /** Run one exchange with `peer` as initiator. Throws on failure (after aborting the stream). */
  async syncWith(peer: PeerId): Promise<SyncStats> {
    const { node, store, metrics } = this.components
    const startedAt = performance.now()
    const stream = await node.dialProtocol(peer, SYNC_PROTOCOL, {
      signal: AbortSignal.timeout(this.readTimeoutMs),
    })
    const lp = lpStream(stream, { maxDataLength: this.maxDataLength })
    const from = peer.toString()
    try {
      await this.send(lp, encodeFrame({ v: 1, kind: 'digest', digest: store.digest() }))
      const { received, applied, digest } = await this.readEntriesUntil(lp, 'digest', from)
      const sent = await this.writeEntries(lp, store.entriesNewerThan(digest as Digest))
      await this.send(lp, encodeFrame({ v: 1, kind: 'end' }))
      await stream.close()
      this.completed++
      metrics.sync('ok', 'initiator', (performance.now() - startedAt) / 1000, received)
      return { received, applied, sent }
    } catch (err) {
      stream.abort(err as Error)
      metrics.sync('error', 'initiator', (performance.now() - startedAt) / 1000, 0)
      throw err
    }
  }

  private async respond(stream: Stream, lp: Lp, connection: Connection): Promise<void> {
    const { store, logger, metrics } = this.components
    const startedAt = performance.now()
    const from = connection.remotePeer.toString()
    try {
      const first = await this.readFrame(lp)
      if (first.kind !== 'digest') throw protocolError(`expected a digest, got ${first.kind}`)
      const sent = await this.writeEntries(lp, store.entriesNewerThan(first.digest))
      await this.send(lp, encodeFrame({ v: 1, kind: 'digest', digest: store.digest() }))
      const { received, applied } = await this.readEntriesUntil(lp, 'end', from)
      await stream.close()
      this.completed++
      metrics.sync('ok', 'responder', (performance.now() - startedAt) / 1000, received)
      logger.debug({ peer: from, sent, received, applied }, 'answered a sync')
    } catch (err) {
      stream.abort(err as Error)
      metrics.sync('error', 'responder', (performance.now() - startedAt) / 1000, 0)
      logger.debug({ peer: from, err: (err as Error).message }, 'sync as responder failed')
    }
  }

  private async readFrame(lp: Lp): Promise<Frame> {
    const bytes = await lp.read({ signal: AbortSignal.timeout(this.readTimeoutMs) })
    this.components.metrics.bytes('in', 'sync', bytes.byteLength)
    const decoded = decodeFrame(bytes.subarray(), this.maxDataLength)
    if (!decoded.ok) throw protocolError(describeWireError(decoded.error))
    return decoded.value
  }

  /** Read entries frames (merging each) until a frame of kind `until`; returns what it carried. */
  private async readEntriesUntil(
    lp: Lp,
    until: 'digest' | 'end',
    from: string,
  ): Promise<{ received: number; applied: number; digest?: Digest }> {
    const { store, logger } = this.components
    let received = 0
    let applied = 0
    for (;;) {
      const frame = await this.readFrame(lp)
      if (frame.kind === 'entries') {
        received += frame.entries.length
        const result = store.mergeRemote(frame.entries, from)
        applied += result.applied.length
        if (result.rejected.length > 0) {
          for (const r of result.rejected) this.components.metrics.rejected(`sync-${r.reason}`)
          const reasons = [...new Set(result.rejected.map((r) => r.reason))]
          logger.warn({ peer: from, rejected: result.rejected.length, reasons }, 'sync entries rejected')
        }
        continue
      }
      if (frame.kind !== until) throw protocolError(`expected entries or ${until}, got ${frame.kind}`)
      return frame.kind === 'digest' ? { received, applied, digest: frame.digest } : { received, applied }
    }
  }

  private async send(lp: Lp, frame: Uint8Array): Promise<void> {
    await lp.write(frame)
    this.components.metrics.bytes('out', 'sync', frame.byteLength)
  }

  private async writeEntries(lp: Lp, entries: readonly Entry[]): Promise<number> {
    for (const batch of batchEntries(entries, this.maxFrameBytes)) {
      await this.send(lp, encodeFrame({ v: 1, kind: 'entries', entries: batch }))
    }
    return entries.length
  }
}

function protocolError(detail: string): GrapevineError {
  return new GrapevineError('BAD_REQUEST', `sync protocol error: ${detail}`)
}
