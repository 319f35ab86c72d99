import type { PeerId } from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import type { Logger } from 'pino'
import { parseKey } from '../../crdt/keys.ts'
import type { NodeValue } from '../../crdt/schema.ts'
import type { CatalogChangeEvent, CatalogStore } from '../catalog/store.ts'
import type { GrapevineLibp2p } from './node.ts'
import { dialableAddrs } from './node-record.ts'
import type { Timers } from './timers.ts'

/**
 * Keeps this node connected: re-dials every `join` (bootstrap) address whenever it is not
 * connected, with exponential backoff and jitter, forever; and, while it has fewer than
 * `targetPeers` connections, dials fleet members it learned from their node records (their
 * signed multiaddrs), so a fleet joined through one seed does not hang off that seed alone. A node
 * record that arrives or changes (a member started, or restarted on a new port) is dialled at once.
 */

export interface ConnectorComponents {
  readonly node: GrapevineLibp2p
  readonly store: CatalogStore
  readonly logger: Logger
  readonly timers: Timers
  readonly random: () => number
  /** Monotonic ms for backoff and cooldown deadlines. Default performance.now. */
  readonly monotonic?: () => number
}

export interface ConnectorInit {
  /** Bootstrap multiaddrs (with or without /p2p/<id>). */
  readonly join?: readonly string[]
  /** Check period (ms). Default 1 000. */
  readonly intervalMs?: number
  readonly minBackoffMs?: number
  /** Default 30 000. */
  readonly maxBackoffMs?: number
  /** Dial known members while below this many peers. Default 6. 0 disables. */
  readonly targetPeers?: number
  readonly dialTimeoutMs?: number
  /** A private network is configured: handshake failures are then logged as a likely key mismatch. */
  readonly privateNetwork?: boolean
}

/** After a failed dial, a member is not dialled again for this long (its record may be stale). */
const MEMBER_COOLDOWN_MS = 10_000

interface JoinTarget {
  readonly addr: string
  peer: PeerId | undefined
  backoffMs: number
  nextAt: number
  dialing: boolean
}

/** Handshake failures that, with a private network, almost always mean a different swarm key. */
export function looksLikePskMismatch(err: unknown): boolean {
  const e = err as { name?: string; message?: string } | undefined
  const text = `${e?.name ?? ''} ${e?.message ?? ''}`
  return /EncryptionFailed|ECONNRESET|timeout|Timeout|aborted/.test(text)
}

export class Connector {
  private readonly components: ConnectorComponents
  private readonly init: ConnectorInit
  private readonly targets: JoinTarget[]
  private timer: unknown
  private running = false
  private memberDials = 0
  private readonly dialing = new Set<string>()
  /** Members whose last dial failed, and until when (on `monotonic`) not to try again. */
  private readonly cooldown = new Map<string, number>()
  /** A node record arrived or changed: dial it now if we are short of peers (no wait for the round). */
  private readonly onStoreChange = (event: CatalogChangeEvent): void => {
    if (event.local || !this.running) return
    const isNode = (key: string): boolean => parseKey(key)?.kind === 'node'
    if (event.changes.some((c) => isNode(c.current.key) && c.current.value !== null)) this.dialMembers()
  }

  private readonly clock: () => number

  constructor(components: ConnectorComponents, init: ConnectorInit = {}) {
    this.components = components
    this.clock = components.monotonic ?? (() => performance.now())
    this.init = init
    this.targets = (init.join ?? []).map((addr) => ({
      addr,
      peer: undefined,
      backoffMs: init.minBackoffMs ?? 250,
      nextAt: 0,
      dialing: false,
    }))
  }

  start(): Promise<void> {
    if (this.running) return Promise.resolve()
    this.running = true
    this.components.store.on('change', this.onStoreChange)
    this.round()
    return Promise.resolve()
  }

  stop(): Promise<void> {
    this.running = false
    this.components.store.off('change', this.onStoreChange)
    this.components.timers.clearTimeout(this.timer)
    return Promise.resolve()
  }

  private schedule(): void {
    if (!this.running) return
    this.timer = this.components.timers.setTimeout(() => this.round(), this.init.intervalMs ?? 1_000)
  }

  private round(): void {
    if (!this.running) return
    const now = this.clock()
    for (const target of this.targets) {
      if (target.dialing || now < target.nextAt) continue
      if (target.peer !== undefined && this.components.node.getConnections(target.peer).length > 0) continue
      void this.dialJoin(target)
    }
    this.dialMembers()
    this.schedule()
  }

  private async dialJoin(target: JoinTarget): Promise<void> {
    const { node, logger, random } = this.components
    target.dialing = true
    try {
      const conn = await node.dial(multiaddr(target.addr), {
        signal: AbortSignal.timeout(this.init.dialTimeoutMs ?? 5_000),
      })
      target.peer = conn.remotePeer
      target.backoffMs = this.init.minBackoffMs ?? 250
      logger.info({ addr: target.addr, peer: conn.remotePeer.toString() }, 'connected to bootstrap peer')
    } catch (err) {
      this.logDialFailure(target.addr, err)
      const max = this.init.maxBackoffMs ?? 30_000
      target.nextAt = this.clock() + target.backoffMs * (0.5 + random())
      target.backoffMs = Math.min(max, target.backoffMs * 2)
    } finally {
      target.dialing = false
    }
  }

  private dialMembers(): void {
    const { node, store, random } = this.components
    const target = this.init.targetPeers ?? 6
    const peers = node.getPeers().length
    if (target <= 0 || peers + this.memberDials >= target) return
    const connected = new Set(node.getPeers().map((p) => p.toString()))
    for (const origin of this.dialing) connected.add(origin)
    const now = this.clock()
    for (const [origin, until] of this.cooldown) {
      if (until > now) connected.add(origin)
      else this.cooldown.delete(origin)
    }
    const candidates: Array<{ origin: string; addrs: Multiaddr[] }> = []
    for (const entry of store.entries()) {
      const parsed = parseKey(entry.key)
      if (parsed?.kind !== 'node' || entry.value === null || parsed.origin === store.origin) continue
      if (connected.has(parsed.origin)) continue
      const addrs = dialableAddrs(entry.value as NodeValue, parsed.origin)
      if (addrs.length > 0) candidates.push({ origin: parsed.origin, addrs })
    }
    const wanted = Math.min(target - peers - this.memberDials, candidates.length)
    for (let i = 0; i < wanted; i++) {
      const pick = candidates.splice(Math.floor(random() * candidates.length), 1)[0]
      if (pick === undefined) continue
      this.memberDials++
      this.dialing.add(pick.origin)
      node
        .dial(pick.addrs, { signal: AbortSignal.timeout(this.init.dialTimeoutMs ?? 5_000) })
        .catch((err: unknown) => {
          this.cooldown.set(pick.origin, this.clock() + MEMBER_COOLDOWN_MS)
          this.logDialFailure(String(pick.addrs[0]), err)
        })
        .finally(() => {
          this.memberDials--
          this.dialing.delete(pick.origin)
        })
    }
  }

  private logDialFailure(addr: string, err: unknown): void {
    const message = (err as Error).message
    if (this.init.privateNetwork === true && looksLikePskMismatch(err)) {
      this.components.logger.warn(
        { addr, err: message },
        'dial failed during the handshake: PSK mismatch? (every node needs the same swarm key)',
      )
    } else {
      this.components.logger.debug({ addr, err: message }, 'dial failed')
    }
  }
}
