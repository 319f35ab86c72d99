/**
 * Every configuration key of the agent, in one place: its type, its default, the environment
 * variable and flag that set it, and the reason for the default. `docs/configuration.md` is
 * checked against this table by a test, so the two cannot drift apart.
 *
 * Precedence, lowest to highest: preset defaults < config file (JSON) < GRAPEVINE_* env < flags.
 */

export type KeyType = 'string' | 'integer' | 'boolean' | 'string[]' | 'duration'

export interface KeySpec {
  readonly type: KeyType
  /** Default in the `lan` preset (the production default). `undefined` = unset. */
  readonly default: string | number | boolean | readonly string[] | undefined
  /** Why this default. */
  readonly reason: string
  /** Command-line flag, if any (repeatable for lists). */
  readonly flag?: string
  /** Allowed values (strings) or bounds (integers/durations, in ms for durations). */
  readonly enum?: readonly string[]
  readonly min?: number
  readonly max?: number
  /** Never printed, logged or returned by the API. */
  readonly secret?: boolean
}

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

export const CONFIG_KEYS = {
  nodeName: {
    type: 'string',
    default: undefined,
    reason: 'The host name (made DNS-safe) when unset: what operators already call the machine.',
    flag: '--node',
  },
  datacenter: {
    type: 'string',
    default: 'dc1',
    reason: "Consul's default name; Consul clients send `?dc=` and read `Config.Datacenter`.",
    flag: '--datacenter',
  },
  dataDir: {
    type: 'string',
    default: './data',
    reason: 'Identity key and local registrations persist here; relative to the working directory.',
    flag: '--data-dir',
  },
  configDir: {
    type: 'string',
    default: undefined,
    reason: 'Service definition files (*.json) are loaded from here at start and on reload; none by default.',
    flag: '--config-dir',
  },
  http: {
    type: 'string',
    default: '127.0.0.1:8500',
    reason:
      "Consul agent's HTTP port, on loopback only, so existing clients work unchanged and nothing is exposed.",
    flag: '--http',
  },
  dns: {
    type: 'string',
    default: '127.0.0.1:8600',
    reason: "Consul agent's DNS port (UDP and TCP), on loopback; use `:53` when the process may bind it.",
    flag: '--dns',
  },
  listen: {
    type: 'string[]',
    default: ['/ip4/0.0.0.0/tcp/7950'],
    reason:
      'The libp2p port on every interface so other hosts can reach us; 7950 avoids Serf (7946) and Consul (8300-8302).',
    flag: '--listen',
  },
  join: {
    type: 'string[]',
    default: [],
    reason: 'Bootstrap peers (multiaddrs) for fleets that span subnets; mDNS covers one LAN without any.',
    flag: '--join',
  },
  advertiseAddress: {
    type: 'string',
    default: undefined,
    reason:
      "The host's first non-loopback IPv4 address when unset; used as the default instance address and in DNS node answers.",
    flag: '--advertise',
  },
  mdns: {
    type: 'boolean',
    default: true,
    reason: 'Zero-configuration discovery on a LAN is the point; turn it off where multicast is not wanted.',
    flag: '--mdns',
  },
  mdnsServiceTag: {
    type: 'string',
    default: '_grapevine._udp.local',
    reason:
      'Keeps Grapevine fleets apart from other libp2p mDNS users; vary it to keep fleets on one LAN apart.',
  },
  mdnsInterval: {
    type: 'duration',
    default: 10 * SECOND,
    min: 100,
    reason: 'How often to re-query: @libp2p/mdns default; the first query goes out at start.',
  },
  swarmKeyFile: {
    type: 'string',
    default: undefined,
    reason:
      'A pre-shared key makes a private network: only hosts holding it can connect. Off by default for a zero-config LAN.',
    flag: '--swarm-key',
  },
  domain: {
    type: 'string',
    default: 'grapevine',
    reason: 'Answers `web.service.grapevine`; a name of our own that cannot collide with a real TLD.',
    flag: '--domain',
  },
  altDomains: {
    type: 'string[]',
    default: [],
    reason: 'Extra domains answered the same way, e.g. `consul` so Consul-style names resolve.',
    flag: '--alt-domain',
  },
  dnsTtl: {
    type: 'duration',
    default: 5 * SECOND,
    min: 0,
    max: DAY,
    reason:
      'Short, so a failed instance leaves client caches within seconds, yet long enough to absorb bursts.',
  },
  dnsNegativeTtl: {
    type: 'duration',
    default: 2 * SECOND,
    min: 0,
    max: HOUR,
    reason: 'SOA minimum: a service that comes back must not look dead for minutes in resolver caches.',
  },
  dnsMaxUdpSize: {
    type: 'integer',
    default: 1232,
    min: 512,
    max: 4096,
    reason: 'The DNS flag day 2020 size: avoids IP fragmentation; larger answers set TC and go over TCP.',
  },
  dnsAllowWarning: {
    type: 'boolean',
    default: true,
    reason: 'A warning instance still serves (as in Consul); set false to answer passing only.',
  },
  dnsPreferLocal: {
    type: 'boolean',
    default: false,
    reason: 'Same-node instances first when true; off by default so load spreads across the fleet.',
  },
  dnsRecursors: {
    type: 'string[]',
    default: [],
    reason:
      'Names outside our domains are REFUSED unless upstream resolvers are given; air-gapped fleets have none.',
    flag: '--recursor',
  },
  token: {
    type: 'string',
    default: undefined,
    reason:
      'When set, HTTP writes need it (Bearer or X-Grapevine-Token). Unset: loopback-only writes are open, as Consul without ACLs.',
    flag: '--token',
    secret: true,
  },
  httpBodyLimit: {
    type: 'integer',
    default: 1024 * 1024,
    min: 1024,
    max: 64 * 1024 * 1024,
    reason: 'A registration is a few KiB; 1 MiB bounds memory per request with a wide margin.',
  },
  enableScriptChecks: {
    type: 'boolean',
    default: false,
    reason:
      'Exec checks run commands: over HTTP that is remote code execution, so only the operator may turn them on.',
    flag: '--enable-script-checks',
  },
  logLevel: {
    type: 'string',
    default: 'info',
    enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    reason: 'Start, peers, and problems; debug adds every gossip and sync round.',
    flag: '--log-level',
  },
  heartbeatInterval: {
    type: 'duration',
    default: 1 * SECOND,
    min: 10,
    max: MINUTE,
    reason:
      'How often each node says it is alive; 1 s keeps failure detection within a few seconds at a few bytes/s.',
  },
  maxHeartbeatRate: {
    type: 'integer',
    default: 2,
    min: 0,
    max: 10_000,
    reason:
      "Heartbeats a second each node should have to hear at most: beats slow down in whole heartbeatIntervals as the fleet grows (2 s at 4 nodes, 10 s at 20, 25 s at 50), keeping idle cost per node flat; heartbeats are only the backstop, failures are found within seconds by probes, link loss and accusations. Each beat reaches every node up to D times through the gossip mesh, so at 5/s they were a third of an idle node's CPU. 0 never slows them.",
  },
  probeInterval: {
    type: 'duration',
    default: 1 * SECOND,
    min: 0,
    max: MINUTE,
    reason:
      'Each node pings one connected member it has not just heard from this often (a shuffled round, as SWIM): a dead or cut-off node is found within seconds at any fleet size, for one ping a second. 0 turns probing off.',
  },
  suspectAfter: {
    type: 'duration',
    default: 3 * SECOND,
    min: 10,
    reason:
      'Three missed heartbeats before a node is suspected (and pinged directly); stretched in proportion when a node beats slower than heartbeatInterval.',
  },
  suspectAfterLinkLoss: {
    type: 'duration',
    default: 1500,
    min: 10,
    reason:
      'When its connection closed and a redial failed, or another node accused it, a node is suspected sooner: a killed agent is seen within seconds. Also the shortest suspicion: a suspect whose dial we saw refused (nothing listens: its process is gone) and three other nodes accused is unreachable after this long (its window to refute).',
  },
  unreachableAfter: {
    type: 'duration',
    default: 5 * SECOND,
    min: 10,
    reason:
      'The longest suspicion when our dial of it was refused: a suspect only our own ping failed is unreachable after this long (each other node accusing it shortens the wait, down to suspectAfterLinkLoss), so one slow observer cannot declare a live node dead. On unanswered pings alone (a busy node may not answer) the suspicion runs from this to 3x this. Also the silence after which a suspect is unreachable anyway (stretched for slower beats).',
  },
  reapAfter: {
    type: 'duration',
    default: 30 * MINUTE,
    min: 10,
    reason:
      'An unreachable node leaves answers after this; long enough to ride out a reboot, short enough to keep lists clean.',
  },
  syncInterval: {
    type: 'duration',
    default: 10 * SECOND,
    min: 10,
    reason:
      'Anti-entropy with one random peer this often repairs anything gossip lost; cost is O(origins) when in sync.',
  },
  gossipDebounce: {
    type: 'duration',
    default: 5,
    min: 0,
    max: SECOND,
    reason:
      'Local changes within this window go out as one message: bursts batch, single changes barely wait.',
  },
  horizon: {
    type: 'duration',
    default: 7 * DAY,
    min: 10,
    reason:
      'Tombstones (and records of nodes gone this long) expire after it: longer than any partition we promise to heal.',
  },
  refreshInterval: {
    type: 'duration',
    default: 1 * DAY,
    min: 10,
    reason:
      'Owners re-stamp their live records this often, well inside the horizon, so live records never expire.',
  },
  maxClockDrift: {
    type: 'duration',
    default: 5 * MINUTE,
    min: 0,
    reason:
      'Records stamped further ahead than this are refused, so one host with a wrong clock cannot win every write.',
  },
} as const satisfies Record<string, KeySpec>

export type ConfigKey = keyof typeof CONFIG_KEYS

type ValueOf<T extends KeyType> = T extends 'string'
  ? string
  : T extends 'integer' | 'duration'
    ? number
    : T extends 'boolean'
      ? boolean
      : readonly string[]

type Spec<K extends ConfigKey> = (typeof CONFIG_KEYS)[K]

/** The resolved configuration: every key with a default is set; the others may be undefined. */
export type Config = {
  readonly [K in ConfigKey]: Spec<K>['default'] extends undefined
    ? ValueOf<Spec<K>['type']> | undefined
    : ValueOf<Spec<K>['type']>
}

/** `dnsMaxUdpSize` → `GRAPEVINE_DNS_MAX_UDP_SIZE`. */
export function envName(key: string): string {
  return `GRAPEVINE_${key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`
}
