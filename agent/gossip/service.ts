import { EventEmitter } from 'node:events'
import type { Connection, PeerId, PrivateKey } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import { nodeKey } from '../../crdt/keys.ts'
import type { NodeValue } from '../../crdt/schema.ts'
import type { VerifyFn } from '../../crdt/signing.ts'
import type { CatalogStore } from '../catalog/store.ts'
import { GrapevineError } from '../errors.ts'
import { Broadcaster } from './broadcast.ts'
import { Connector } from './connector.ts'
import { asPubsub, type Pubsub } from './gossipsub.ts'
import { createVerifier } from './identity.ts'
import { type MemberChangeEvent, type MemberStatus, Membership } from './membership.ts'
import { MEMBER_TIMING_PRESETS, type MemberTiming } from './membership-state.ts'
import { createGossipMetrics, type GossipMetrics } from './metrics.ts'
import { createGrapevineNode, DEFAULT_LISTEN, type GrapevineLibp2p, type NodeInit } from './node.ts'
import { buildNodeValue, dialableAddrs, type NodeDescription, sameNodeValue } from './node-record.ts'
import { muxerPing } from './probe-ping.ts'
import { Receiver } from './receive.ts'
import { SyncProtocol } from './sync.ts'
import { systemTimers, type Timers } from './timers.ts'
import { CATALOG_TOPIC, HEARTBEAT_TOPIC } from './topics.ts'

/**
 * The gossip layer as one component for the composition root: the libp2p node, delta
 * broadcast and validation, anti-entropy sync, membership and the connection keeper.
 * Start order: node, sync handler, receiver, broadcaster, membership, own node record, connector;
 * stop runs in reverse, announcing 'left' first when leaving gracefully.
 */

export interface GossipComponents {
  readonly logger: Logger
  readonly store: CatalogStore
  readonly now: () => number
  /** Monotonic ms for liveness timing. Default: performance.timeOrigin + performance.now(). */
  readonly monotonic?: () => number
  /** The identity key (the store's origin must be its peer id). */
  readonly privateKey: PrivateKey
  /** The store's verifier, shared so its cache serves both the gossip validator and merges. */
  readonly verify?: VerifyFn
  readonly metrics?: Registry
  /** Uniform in [0, 1): peer choice for periodic sync and member dials. Default Math.random. */
  readonly random?: () => number
  readonly timers?: Timers
}

export interface GossipInit extends Omit<NodeInit, 'scoredTopics'> {
  /** What this node advertises in its node record. */
  readonly node: NodeDescription
  /** Bootstrap multiaddrs, re-dialled with backoff whenever not connected. */
  readonly join?: readonly string[]
  /** Membership timing: a preset name or explicit values. Default 'lan'. */
  readonly timing?: keyof typeof MEMBER_TIMING_PRESETS | MemberTiming
  /** Delta debounce (ms). Default 5. */
  readonly debounceMs?: number
  /** Periodic sync with one random peer (ms). Default 10 000; 0 disables. */
  readonly syncIntervalMs?: number
  /** Dial known members while below this many peers. Default 6. */
  readonly targetPeers?: number
  /** Deltas per second per origin (average, burst). Default 20, 100. */
  readonly rateLimit?: { readonly perSecond: number; readonly burst: number }
  /** After publishing 'left', wait this long for it to leave the process (ms). Default 200. */
  readonly leaveGraceMs?: number
  /** Timeout of every sync read and of opening a sync stream (ms). Default 10 000. */
  readonly syncTimeoutMs?: number
  /** Incarnation of this start (must grow across restarts). Default: now() at start. */
  readonly incarnation?: number
  /** Heartbeats per second an observer should hear at most (Membership). Default 5. */
  readonly maxHeartbeatRate?: number
  /** Routine probe period (Membership). Default: the heartbeat period; 0 disables. */
  readonly probeEveryMs?: number
}

export interface GossipEvents {
  'member:change': [MemberChangeEvent]
}

export class GossipService extends EventEmitter<GossipEvents> {
  private readonly components: GossipComponents
  private readonly init: GossipInit
  private readonly metrics: GossipMetrics
  private readonly timers: Timers
  private readonly random: () => number
  private libp2p: GrapevineLibp2p | undefined
  private parts:
    | {
        pubsub: Pubsub
        sync: SyncProtocol
        receiver: Receiver
        broadcaster: Broadcaster
        membership: Membership
        connector: Connector
      }
    | undefined
  private description: NodeDescription
  private syncTimer: unknown
  private readonly syncing = new Set<string>()
  private syncedOnce = false
  private starting: Promise<void> | undefined
  private readonly forward = (e: MemberChangeEvent): void => {
    this.emit('member:change', e)
  }

  constructor(components: GossipComponents, init: GossipInit) {
    super()
    this.components = components
    this.init = init
    this.description = init.node
    this.metrics = createGossipMetrics(components.metrics)
    this.timers = components.timers ?? systemTimers
    this.random = components.random ?? Math.random
  }

  start(): Promise<void> {
    this.starting ??= this.doStart().catch(async (err: unknown) => {
      // A failed start leaves nothing running: the node, its listeners and timers are released.
      await this.release()
      this.starting = undefined
      throw err
    })
    return this.starting
  }

  private async release(): Promise<void> {
    const node = this.libp2p
    const parts = this.parts
    this.timers.clearTimeout(this.syncTimer)
    node?.removeEventListener('connection:open', this.onConnectionOpen)
    node?.removeEventListener('peer:disconnect', this.onPeerDisconnect)
    if (parts !== undefined) {
      await parts.connector.stop()
      await parts.membership.stop()
      parts.membership.off('member:change', this.forward)
      await parts.broadcaster.stop()
      await parts.receiver.stop()
      await parts.sync.stop()
    }
    this.parts = undefined
    this.libp2p = undefined
    await node?.stop()
  }

  private async doStart(): Promise<void> {
    const { logger, store, now, privateKey } = this.components
    const init = this.init
    const timing = typeof init.timing === 'object' ? init.timing : MEMBER_TIMING_PRESETS[init.timing ?? 'lan']
    const node = await createGrapevineNode(
      { privateKey, logger },
      { ...init, scoredTopics: [CATALOG_TOPIC, HEARTBEAT_TOPIC] },
    )
    if (node.peerId.toString() !== store.origin) {
      throw new GrapevineError(
        'INTERNAL',
        `the catalog store's origin ${store.origin} is not this node's peer id ${node.peerId}`,
      )
    }
    this.libp2p = node
    try {
      await node.start()
    } catch (err) {
      const message = (err as Error).message
      throw new GrapevineError(
        'UNAVAILABLE',
        `cannot start libp2p on ${(init.listen ?? DEFAULT_LISTEN).join(', ')}: ${message}` +
          (message.includes('EADDRINUSE') ? '; another process holds the port, choose another --listen' : ''),
        {},
        { cause: err },
      )
    }
    const pubsub = asPubsub(node.services.pubsub)
    const verify = this.components.verify ?? createVerifier()
    const base = { store, pubsub, logger, metrics: this.metrics }
    const sync = new SyncProtocol(
      { node, store, logger, metrics: this.metrics },
      init.syncTimeoutMs === undefined ? {} : { readTimeoutMs: init.syncTimeoutMs },
    )
    const receiver = new Receiver(
      { ...base, now, verify },
      init.rateLimit === undefined
        ? {}
        : { ratePerSecond: init.rateLimit.perSecond, rateBurst: init.rateLimit.burst },
    )
    const broadcaster = new Broadcaster(
      { ...base, timers: this.timers },
      init.debounceMs === undefined ? {} : { debounceMs: init.debounceMs },
    )
    const membership = new Membership(
      {
        ...base,
        now,
        monotonic: this.components.monotonic ?? (() => performance.timeOrigin + performance.now()),
        timers: this.timers,
        probe: {
          ping: (origin, ms) => this.ping(origin, ms),
          isConnected: (origin) => this.isConnected(origin),
        },
        random: this.random,
      },
      {
        timing,
        ...(init.incarnation === undefined ? {} : { incarnation: init.incarnation }),
        ...(init.maxHeartbeatRate === undefined ? {} : { maxHeartbeatRate: init.maxHeartbeatRate }),
        ...(init.probeEveryMs === undefined ? {} : { probeEveryMs: init.probeEveryMs }),
      },
    )
    const connector = new Connector(
      {
        node,
        store,
        logger,
        timers: this.timers,
        random: this.random,
        ...(this.components.monotonic === undefined ? {} : { monotonic: this.components.monotonic }),
      },
      {
        ...(init.join === undefined ? {} : { join: init.join }),
        ...(init.targetPeers === undefined ? {} : { targetPeers: init.targetPeers }),
        privateNetwork: init.swarmKey !== undefined,
      },
    )
    this.parts = { pubsub, sync, receiver, broadcaster, membership, connector }
    membership.on('member:change', this.forward)
    await sync.start()
    await receiver.start()
    await broadcaster.start()
    await membership.start()
    this.writeNodeRecord('alive')
    node.addEventListener('connection:open', this.onConnectionOpen)
    node.addEventListener('peer:disconnect', this.onPeerDisconnect)
    await connector.start()
    this.scheduleSync()
    logger.info({ peerId: store.origin, multiaddrs: this.multiaddrs() }, 'gossip started')
  }

  /**
   * Stop. With `leave` (the default: SIGTERM), first write this node's record as 'left', publish
   * it and a final heartbeat, so every other node drops its instances at once.
   */
  async stop(opts: { leave?: boolean } = {}): Promise<void> {
    if (this.starting === undefined) return
    try {
      await this.starting
    } catch {
      // a failed start: stop what exists
    }
    this.starting = undefined
    const parts = this.parts
    if (parts !== undefined && opts.leave !== false) {
      await parts.connector.stop()
      this.writeNodeRecord('left')
      await parts.broadcaster.flush()
      await parts.membership.beat()
      const grace = this.init.leaveGraceMs ?? 200
      await new Promise((resolve) => setTimeout(resolve, grace))
    }
    await this.release()
  }

  /** This node's peer id (the record origin). */
  get peerId(): string {
    return this.components.store.origin
  }

  /** The libp2p node (for the composition root's diagnostics and for tests); undefined when stopped. */
  get node(): GrapevineLibp2p | undefined {
    return this.libp2p
  }

  /** Listen addresses in full `/…/p2p/<id>` form. */
  multiaddrs(): string[] {
    return this.libp2p?.getMultiaddrs().map((a) => a.toString()) ?? []
  }

  /** Peer ids of connected peers. */
  peers(): string[] {
    return this.libp2p?.getPeers().map((p) => p.toString()) ?? []
  }

  /** Every known member (not this node): origin → state and when last heard. */
  members(): ReadonlyMap<string, MemberStatus> {
    return this.parts?.membership.members() ?? new Map()
  }

  /** True once at least one anti-entropy exchange completed (either role). */
  synced(): boolean {
    return this.syncedOnce || (this.parts?.sync.completed ?? 0) > 0
  }

  /** Connected peers subscribed to the catalog topic (gossip reaches them). */
  catalogSubscribers(): string[] {
    return this.parts?.pubsub.subscribers(CATALOG_TOPIC) ?? []
  }

  /** gossipsub's score of a peer, as this node sees it. */
  score(peer: string): number {
    return this.parts?.pubsub.score(peer) ?? 0
  }

  /** Change what this node advertises (maintenance, metadata); writes the record only if it changed. */
  updateNode(patch: Partial<NodeDescription>): void {
    this.description = { ...this.description, ...patch }
    if (this.parts !== undefined) this.writeNodeRecord('alive')
  }

  /** Run one sync with `peer` now (as initiator). */
  async syncWith(peer: PeerId): Promise<void> {
    if (this.parts === undefined) return
    await this.parts.sync.syncWith(peer)
    this.syncedOnce = true
  }

  private writeNodeRecord(status: NodeValue['status']): void {
    const { store } = this.components
    const value = buildNodeValue(this.description, this.multiaddrs(), status)
    const key = nodeKey(store.origin)
    if (sameNodeValue(store.get(key)?.value as NodeValue | null | undefined, value)) return
    store.writeLocal(key, value)
  }

  private readonly onConnectionOpen = (e: CustomEvent<Connection>): void => {
    const conn = e.detail
    this.metrics.peers(this.libp2p?.getPeers().length ?? 0)
    // One side starts the exchange (it is two-way): the dialler.
    if (conn.direction === 'outbound') this.syncInBackground(conn.remotePeer)
  }

  private readonly onPeerDisconnect = (e: CustomEvent<PeerId>): void => {
    const peer = e.detail
    const node = this.libp2p
    this.metrics.peers(node?.getPeers().length ?? 0)
    const parts = this.parts
    if (node === undefined || parts === undefined) return
    const origin = peer.toString()
    const known = parts.membership.get(origin)
    if (known === undefined || known.state === 'left') return
    node
      .dial(peer, { signal: AbortSignal.timeout(parts.membership.timing.heartbeatMs) })
      .then(() => parts.membership.heardFrom(origin))
      .catch((err: unknown) => parts.membership.linkLost(origin, isRefused(err)))
  }

  private syncInBackground(peer: PeerId): void {
    const parts = this.parts
    const key = peer.toString()
    if (parts === undefined || this.syncing.has(key)) return
    this.syncing.add(key)
    parts.sync
      .syncWith(peer)
      .then((stats) => {
        this.syncedOnce = true
        if (stats.applied > 0) this.components.logger.debug({ peer: key, ...stats }, 'sync pulled entries')
      })
      .catch((err: unknown) => {
        this.components.logger.debug({ peer: key, err: (err as Error).message }, 'sync failed')
      })
      .finally(() => this.syncing.delete(key))
  }

  /**
   * Periodic anti-entropy with one random peer. It starts fast (`syncIntervalMs / 32`, at least
   * 100 ms) and doubles up to `syncIntervalMs`: right after start, entries that peers learned by
   * sync (and so never gossip on) reach everyone in a few rounds; at steady state a round is one
   * digest exchange of O(origins) bytes.
   */
  private scheduleSync(delay?: number): void {
    const every = this.init.syncIntervalMs ?? 10_000
    if (every <= 0) return
    const current = delay ?? Math.min(every, Math.max(100, every / 32))
    // Jittered so a fleet started together does not sync in lockstep.
    this.syncTimer = this.timers.setTimeout(
      () => {
        const peers = this.libp2p?.getPeers() ?? []
        const pick = peers[Math.floor(this.random() * peers.length)]
        if (pick !== undefined) this.syncInBackground(pick)
        if (this.parts !== undefined) this.scheduleSync(Math.min(every, current * 2))
      },
      current * (0.75 + this.random() / 2),
    )
  }

  private isConnected(origin: string): boolean {
    const node = this.libp2p
    if (node === undefined) return false
    try {
      return node.getConnections(peerIdFromString(origin)).length > 0
    } catch {
      return false
    }
  }

  /**
   * Ping `origin`: over a connection we hold, with the muxer's own ping (probe-ping.ts: no new
   * stream), else with the ping protocol. Not connected, it is dialled at the addresses its node
   * record announces (the peer store may not have them: it learns addresses from connections),
   * so that a dead member's dial is refused rather than failing for want of an address.
   */
  private async ping(origin: string, timeoutMs: number): Promise<boolean | 'refused'> {
    const node = this.libp2p
    if (node === undefined) return false
    const signal = AbortSignal.timeout(timeoutMs)
    try {
      const peer = peerIdFromString(origin)
      let connections = node.getConnections(peer)
      if (connections.length === 0) {
        const value = this.components.store.get(nodeKey(origin))?.value as NodeValue | null | undefined
        const addrs = dialableAddrs(value, origin)
        if (addrs.length > 0) connections = [await node.dial(addrs, { signal })]
      }
      const viaMuxer = connections.map(muxerPing).find((ping) => ping !== undefined)
      if (viaMuxer !== undefined) await viaMuxer({ signal })
      else await node.services.ping.ping(peer, { signal })
      return true
    } catch (err) {
      return isRefused(err) ? 'refused' : false
    }
  }
}

/**
 * True when a dial failed because every address refused the connection (ECONNREFUSED): nothing
 * listens there, so the process is gone. A timeout, a reset handshake or a missing address is not.
 */
export function isRefused(err: unknown): boolean {
  const e = err as { code?: unknown; errors?: unknown; cause?: unknown } | null | undefined
  if (e === null || e === undefined || typeof e !== 'object') return false
  if (e.code === 'ECONNREFUSED') return true
  if (Array.isArray(e.errors) && e.errors.length > 0) return e.errors.every(isRefused)
  return e.cause !== undefined && e.cause !== e && isRefused(e.cause)
}
