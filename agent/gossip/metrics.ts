import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

/**
 * The gossip subsystem's metrics (`grapevine_gossip_*`), created on the registry passed in as
 * `components.metrics`; without one every call is a no-op.
 */
export interface GossipMetrics {
  rejected(reason: string): void
  ignored(reason: string): void
  published(kind: 'delta' | 'heartbeat' | 'suspect', entries: number): void
  /** An accusation (another observer could not reach a member) was heard. */
  accusation(): void
  /** This node's current heartbeat period. */
  beatPeriod(ms: number): void
  received(entries: number): void
  sync(outcome: 'ok' | 'error', role: 'initiator' | 'responder', seconds: number, entries: number): void
  members(counts: Readonly<Record<string, number>>): void
  peers(count: number): void
  timerLag(ms: number): void
  /** Lifeguard's local health score (0 healthy … 7): how far this agent distrusts its own timing. */
  localHealth(score: number): void
  /** Application bytes of our frames: gossip deltas and heartbeats, and sync streams. */
  bytes(direction: 'in' | 'out', channel: 'delta' | 'heartbeat' | 'sync', n: number): void
}

const NOOP: GossipMetrics = {
  rejected: () => {},
  ignored: () => {},
  published: () => {},
  accusation: () => {},
  beatPeriod: () => {},
  received: () => {},
  sync: () => {},
  members: () => {},
  peers: () => {},
  timerLag: () => {},
  localHealth: () => {},
  bytes: () => {},
}

export function createGossipMetrics(registry: Registry | undefined): GossipMetrics {
  if (registry === undefined) return NOOP
  const registers = [registry]
  const rejected = new Counter({
    name: 'grapevine_gossip_rejected_total',
    help: 'Gossip messages rejected by validation (the sender loses gossipsub score)',
    labelNames: ['reason'],
    registers,
  })
  const ignored = new Counter({
    name: 'grapevine_gossip_ignored_total',
    help: 'Gossip messages ignored (rate limited, or from a newer agent version)',
    labelNames: ['reason'],
    registers,
  })
  const published = new Counter({
    name: 'grapevine_gossip_published_total',
    help: 'Messages this agent published',
    labelNames: ['kind'],
    registers,
  })
  const accusations = new Counter({
    name: 'grapevine_gossip_accusations_total',
    help: 'Accusations heard: another observer could not reach a member (each is checked with a ping)',
    registers,
  })
  const beatPeriod = new Gauge({
    name: 'grapevine_gossip_heartbeat_period_seconds',
    help: "This node's heartbeat period (grows with the fleet to bound each observer's heartbeat rate)",
    registers,
  })
  const publishedEntries = new Counter({
    name: 'grapevine_gossip_published_entries_total',
    help: 'Catalog entries this agent published in deltas',
    registers,
  })
  const received = new Counter({
    name: 'grapevine_gossip_received_entries_total',
    help: 'Catalog entries received in accepted deltas',
    registers,
  })
  const syncs = new Counter({
    name: 'grapevine_gossip_syncs_total',
    help: 'Anti-entropy exchanges by role and outcome',
    labelNames: ['role', 'outcome'],
    registers,
  })
  const syncEntries = new Counter({
    name: 'grapevine_gossip_sync_entries_total',
    help: 'Entries received through anti-entropy sync',
    registers,
  })
  const syncSeconds = new Histogram({
    name: 'grapevine_gossip_sync_duration_seconds',
    help: 'Duration of anti-entropy exchanges',
    buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    registers,
  })
  const bytes = new Counter({
    name: 'grapevine_gossip_bytes_total',
    help: 'Bytes of Grapevine frames sent and received (gossip deltas, heartbeats, sync streams; before encryption and framing)',
    labelNames: ['direction', 'channel'],
    registers,
  })
  const members = new Gauge({
    name: 'grapevine_gossip_members',
    help: 'Known fleet members by state, as this agent sees them',
    labelNames: ['state'],
    registers,
  })
  const peers = new Gauge({ name: 'grapevine_gossip_peers', help: 'Connected libp2p peers', registers })
  const lag = new Histogram({
    name: 'grapevine_gossip_timer_lag_seconds',
    help: 'How late the membership timer fired (event loop stalls, GC pauses, SIGSTOP)',
    buckets: [0.001, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers,
  })
  const health = new Gauge({
    name: 'grapevine_gossip_local_health',
    help: "This agent's local health score (0 healthy to 7): late timers, timed-out pings and accusations of itself raise it; its probe timeout is multiplied by score + 1",
    registers,
  })
  return {
    rejected: (reason) => rejected.inc({ reason }),
    ignored: (reason) => ignored.inc({ reason }),
    published: (kind, entries) => {
      published.inc({ kind })
      if (entries > 0) publishedEntries.inc(entries)
    },
    accusation: () => accusations.inc(),
    beatPeriod: (ms) => beatPeriod.set(ms / 1000),
    received: (entries) => received.inc(entries),
    sync: (outcome, role, seconds, entries) => {
      syncs.inc({ role, outcome })
      syncSeconds.observe(seconds)
      if (entries > 0) syncEntries.inc(entries)
    },
    members: (counts) => {
      for (const [state, n] of Object.entries(counts)) members.set({ state }, n)
    },
    peers: (count) => peers.set(count),
    timerLag: (ms) => lag.observe(Math.max(0, ms) / 1000),
    localHealth: (score) => health.set(score),
    bytes: (direction, channel, n) => bytes.inc({ direction, channel }, n),
  }
}
