import type { ConnectionGater, PeerId, PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import { CatalogStore } from '../../../agent/catalog/store.ts'
import { createEphemeralIdentity, createVerifier, signerFor } from '../../../agent/gossip/identity.ts'
import { MEMBER_TIMING_PRESETS, type MemberTiming } from '../../../agent/gossip/membership-state.ts'
import { type GossipInit, GossipService } from '../../../agent/gossip/service.ts'
import { instanceKey } from '../../../crdt/keys.ts'
import type { InstanceValue } from '../../../crdt/schema.ts'
import type { VerifyFn } from '../../../crdt/signing.ts'
import { waitFor } from '../../helpers/wait-for.ts'

/**
 * A fleet of real gossip services in one process (real libp2p, loopback TCP or the memory
 * transport, mDNS off), each with its own catalog store and Ed25519 identity. Set
 * GRAPEVINE_TEST_LOG=debug to see their logs.
 */

export interface TestAgent {
  readonly name: string
  /** This agent's own metrics registry. */
  readonly metrics: Registry
  readonly privateKey: PrivateKey
  readonly store: CatalogStore
  readonly gossip: GossipService
  readonly origin: string
}

export interface FleetOptions {
  readonly transport?: 'tcp' | 'memory'
  readonly timing?: MemberTiming
  readonly swarmKey?: Uint8Array
  readonly gater?: Partition
  readonly syncIntervalMs?: number
  readonly extra?: Partial<GossipInit>
  /** Replace the store's verifier (a malicious agent that accepts anything; createAgent only). */
  readonly unsafeVerify?: VerifyFn
  /** Reuse an identity and a store (a restart; createAgent only). */
  readonly restart?: { readonly privateKey: PrivateKey; readonly store: CatalogStore }
  /** A metrics registry for the agent (createAgent only). */
  readonly metrics?: Registry
}

const logger = pino({ level: process.env.GRAPEVINE_TEST_LOG ?? 'silent' })
let memoryCounter = 0

/**
 * Deadline for conditions in multi-agent tests. Generous: the box is shared and in-process fleets
 * slow down with its load (a 10-agent step that takes 100 ms idle took 10+ s at load 20).
 */
export const DEADLINE_MS = Number(process.env.GRAPEVINE_TEST_DEADLINE_MS ?? 90_000)

/** `waitFor` with the multi-agent deadline. */
export function eventually<T>(what: string, check: () => T | Promise<T>): Promise<NonNullable<T>> {
  return waitFor(what, check, { timeoutMs: DEADLINE_MS, intervalMs: 20 })
}

export const FAST_TIMING: MemberTiming = MEMBER_TIMING_PRESETS.fast
/** For runs that test the catalog, not liveness: heartbeats cost CPU in a one-process fleet. */
export const QUIET_TIMING: MemberTiming = MEMBER_TIMING_PRESETS.lan

/** Create (not start) one agent. */
export async function createAgent(
  name: string,
  opts: FleetOptions = {},
  join: string[] = [],
): Promise<TestAgent> {
  const identity =
    opts.restart === undefined
      ? await createEphemeralIdentity()
      : {
          privateKey: opts.restart.privateKey,
          origin: peerIdFromPrivateKey(opts.restart.privateKey).toString(),
        }
  const verify = createVerifier()
  const metrics = opts.metrics ?? new Registry()
  const store =
    opts.restart?.store ??
    new CatalogStore(
      { now: Date.now, sign: signerFor(identity.privateKey), verify: opts.unsafeVerify ?? verify },
      { origin: identity.origin, horizonMs: 7 * 24 * 3600_000, maxDriftMs: 60_000 },
    )
  const listen =
    opts.transport === 'memory'
      ? [`/memory/grapevine-test-${process.pid}-${++memoryCounter}`]
      : ['/ip4/127.0.0.1/tcp/0']
  const gossip = new GossipService(
    {
      logger: logger.child({ component: 'gossip', agent: name }),
      store,
      now: Date.now,
      privateKey: identity.privateKey,
      verify,
      metrics,
    },
    {
      node: { name, agentVersion: 'test' },
      listen,
      join,
      timing: opts.timing ?? FAST_TIMING,
      syncIntervalMs: opts.syncIntervalMs ?? 1_000,
      leaveGraceMs: 50,
      ...(opts.swarmKey === undefined ? {} : { swarmKey: opts.swarmKey }),
      ...(opts.gater === undefined ? {} : { connectionGater: opts.gater.gaterFor(identity.origin) }),
      ...opts.extra,
    },
  )
  return { name, store, gossip, origin: identity.origin, privateKey: identity.privateKey, metrics }
}

/** The sum of a counter's values on one agent, over the series matching `labels`. */
export async function counter(
  agent: TestAgent,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): Promise<number> {
  const metric = await agent.metrics.getSingleMetric(name)?.get()
  return (metric?.values ?? [])
    .filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want))
    .reduce((n, v) => n + v.value, 0)
}

/** Start `n` agents: the first is the seed, every other joins it (and finds the rest through records). */
export async function startFleet(n: number, opts: FleetOptions = {}): Promise<TestAgent[]> {
  const seed = await createAgent('agent-0', opts)
  await seed.gossip.start()
  const join = seed.gossip.multiaddrs().slice(0, 1)
  const rest = await Promise.all(
    Array.from({ length: n - 1 }, (_, i) => createAgent(`agent-${i + 1}`, opts, join)),
  )
  // Bounded dial concurrency (LIBP2P-NOTES.md §3): start 16 at a time, each group once connected.
  for (let i = 0; i < rest.length; i += 16) {
    const group = rest.slice(i, i + 16)
    await Promise.all(group.map((a) => a.gossip.start()))
    await waitFor(
      `agents ${i + 1}..${i + group.length} connected`,
      () => group.every((a) => a.gossip.peers().length > 0),
      { timeoutMs: DEADLINE_MS },
    )
  }
  return [seed, ...rest]
}

export async function stopFleet(agents: readonly TestAgent[]): Promise<void> {
  await Promise.all(agents.map((a) => a.gossip.stop({ leave: false }).catch(() => {})))
}

export function instanceValue(id: string, service: string, port: number): InstanceValue {
  return {
    kind: 'instance',
    id,
    service,
    node: 'n',
    address: '127.0.0.1',
    port,
    protocol: 'tcp',
    tags: [],
    meta: {},
    weight: 1,
    version: '',
    health: 'passing',
    checks: [],
  }
}

/** Register an instance on `agent` (a local signed write). Returns its key. */
export function register(agent: TestAgent, id: string, service = 'web', port = 8080): string {
  const key = instanceKey(agent.origin, id)
  agent.store.writeLocal(key, instanceValue(id, service, port))
  return key
}

/** Wait until every agent holds the same catalog; returns it. */
export async function converged(
  agents: readonly TestAgent[],
  what: string,
  timeoutMs = DEADLINE_MS,
): Promise<string> {
  let canonical = ''
  await waitFor(
    what,
    () => {
      canonical = agents[0]?.store.canonical() ?? ''
      return agents.every((a) => a.store.canonical() === canonical)
    },
    { timeoutMs, intervalMs: 20 },
  )
  return canonical
}

/** Wait until every agent holds `key`. */
export async function everyoneHas(
  agents: readonly TestAgent[],
  key: string,
  timeoutMs = DEADLINE_MS,
): Promise<void> {
  await waitFor(
    `${key} on all ${agents.length} agents`,
    () => agents.every((a) => a.store.get(key) !== undefined),
    {
      timeoutMs,
      intervalMs: 10,
    },
  )
}

/**
 * A network partition by connection gating: peers on different sides may not dial or accept each
 * other. `cut()` also closes the connections that already cross.
 */
export class Partition {
  private readonly side = new Map<string, number>()

  set(groups: ReadonlyArray<readonly string[]>): void {
    this.side.clear()
    groups.forEach((g, i) => {
      for (const origin of g) this.side.set(origin, i)
    })
  }

  heal(): void {
    this.side.clear()
  }

  blocked(a: string, b: string): boolean {
    const sa = this.side.get(a)
    const sb = this.side.get(b)
    return sa !== undefined && sb !== undefined && sa !== sb
  }

  gaterFor(self: string): ConnectionGater {
    const deny = (peer: PeerId): boolean => this.blocked(self, peer.toString())
    return {
      denyDialPeer: deny,
      denyInboundEncryptedConnection: deny,
      denyOutboundEncryptedConnection: deny,
    }
  }

  /** Close every existing connection between sides. */
  async cut(agents: readonly TestAgent[]): Promise<void> {
    const closing: Promise<void>[] = []
    for (const a of agents) {
      for (const conn of a.gossip.node?.getConnections() ?? []) {
        if (this.blocked(a.origin, conn.remotePeer.toString())) closing.push(conn.close().catch(() => {}))
      }
    }
    await Promise.all(closing)
  }
}
