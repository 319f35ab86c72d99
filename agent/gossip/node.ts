import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import type { ConnectionGater, Libp2p, PeerDiscovery, PeerInfo, PrivateKey } from '@libp2p/interface'
import { mdns } from '@libp2p/mdns'
import { memory } from '@libp2p/memory'
import { type Ping, ping } from '@libp2p/ping'
import { preSharedKey } from '@libp2p/pnet'
import { tcp } from '@libp2p/tcp'
import { createLibp2p, type Libp2pOptions } from 'libp2p'
import type { Logger } from 'pino'
import { pubsubService } from './gossipsub.ts'
import { installHalfWindowUpdates } from './yamux-window.ts'

/**
 * The libp2p node: TCP (or the in-process memory transport for tests), noise, yamux, identify,
 * ping, gossipsub, optional mDNS and an optional private network. Limits are relaxed for fleets
 * whose members share an IP (same host, NAT, localhost tests): libp2p's defaults accept only
 * 5 inbound connections per second per IP and fail the rest with errors that look like crypto
 * errors (LIBP2P-NOTES.md §3).
 */

/** The default libp2p listen port: 7946 is Serf's, 8300-8302 Consul's; 7950 is ours. */
export const DEFAULT_P2P_PORT = 7950
export const DEFAULT_LISTEN = [`/ip4/0.0.0.0/tcp/${DEFAULT_P2P_PORT}`] as const

export interface GrapevineServices extends Record<string, unknown> {
  identify: unknown
  ping: Ping
  pubsub: unknown
  mdns?: PeerDiscovery
}

export type GrapevineLibp2p = Libp2p<GrapevineServices>

export interface MdnsInit {
  /** Separates fleets on one LAN: only nodes with the same tag discover each other. */
  readonly serviceTag: string
  /** Query period (ms). Default 10 000. */
  readonly intervalMs?: number
}

export interface NodeInit {
  /** Listen multiaddrs. Default `/ip4/0.0.0.0/tcp/7950`. `/memory/<name>` selects the memory transport. */
  readonly listen?: readonly string[]
  /** Addresses to announce instead of the listen addresses (NAT, containers). */
  readonly announce?: readonly string[]
  /** The swarm key file's bytes: only nodes holding the same key can connect. */
  readonly swarmKey?: Uint8Array
  /** mDNS discovery; undefined = off. Never on in loopback tests (it leaves on the real LAN). */
  readonly mdns?: MdnsInit
  /** Extra connection gating (tests use it to partition a fleet). */
  readonly connectionGater?: ConnectionGater
  /** Connection limit. Default 300. */
  readonly maxConnections?: number
  /** Topics whose peers gossipsub scores. */
  readonly scoredTopics: readonly string[]
  /** gossipsub mesh degree. Default 6. */
  readonly meshDegree?: number
  /** libp2p's connection monitor: every connection is pinged this often (ms). Default 60 000. */
  readonly connectionPingIntervalMs?: number
  /** Dial timeout (ms). Default 5 000. */
  readonly dialTimeoutMs?: number
}

export interface NodeComponents {
  readonly privateKey: PrivateKey
  readonly logger: Logger
}

export async function createGrapevineNode(
  components: NodeComponents,
  init: NodeInit,
): Promise<GrapevineLibp2p> {
  installHalfWindowUpdates()
  const listen = [...(init.listen ?? DEFAULT_LISTEN)]
  const usesMemory = listen.some((a) => a.startsWith('/memory/'))
  const usesTcp = listen.some((a) => !a.startsWith('/memory/')) || listen.length === 0
  const services: Record<string, unknown> = {
    identify: identify(),
    ping: ping(),
    pubsub: pubsubService({
      scoredTopics: init.scoredTopics,
      ...(init.meshDegree === undefined ? {} : { meshDegree: init.meshDegree }),
    }),
  }
  if (init.mdns !== undefined) {
    services.mdns = mdns({ serviceTag: init.mdns.serviceTag, interval: init.mdns.intervalMs ?? 10_000 })
  }
  const options: Libp2pOptions<GrapevineServices> = {
    privateKey: components.privateKey,
    addresses: {
      listen,
      ...(init.announce === undefined ? {} : { announce: [...init.announce] }),
    },
    transports: [...(usesTcp ? [tcp()] : []), ...(usesMemory ? [memory()] : [])],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: {
      maxConnections: init.maxConnections ?? 300,
      inboundConnectionThreshold: 1_000,
      maxIncomingPendingConnections: 256,
      dialTimeout: init.dialTimeoutMs ?? 5_000,
      // Reconnects are ours (bootstrap loop with backoff), not libp2p's bounded retries.
      reconnectRetries: 0,
    },
    // libp2p pings every connection every 10 s by default, each ping a new stream (yamux open,
    // multistream-select, close): with 20 peers that was a quarter of an idle node's CPU, and it
    // repeats what membership's probes already do (one connected member a second, SWIM-style).
    // Kept, slower, as the backstop that closes a connection whose peer went silent.
    connectionMonitor: { pingInterval: init.connectionPingIntervalMs ?? 60_000 },
    services: services as unknown as Libp2pOptions<GrapevineServices>['services'],
    start: false,
  }
  if (init.connectionGater !== undefined) options.connectionGater = init.connectionGater
  if (init.swarmKey !== undefined) options.connectionProtector = preSharedKey({ psk: init.swarmKey })
  const node = await createLibp2p(options)
  const discovery = node.services.mdns
  if (discovery !== undefined) {
    const log = components.logger
    // libp2p 3 does not dial discovered peers, and `peer:discovery` fires once per new peer; the
    // service's own `peer` event repeats on every answer, so a lost peer is dialled again.
    discovery.addEventListener('peer', (e: CustomEvent<PeerInfo>) => {
      const peer = e.detail
      if (peer.id.equals(node.peerId) || node.getConnections(peer.id).length > 0) return
      node
        .dial(peer.id, { signal: AbortSignal.timeout(init.dialTimeoutMs ?? 5_000) })
        .catch((err: unknown) => {
          log.debug({ peer: peer.id.toString(), err: (err as Error).message }, 'mDNS dial failed')
        })
    })
  }
  return node
}
