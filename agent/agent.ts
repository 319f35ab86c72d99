import { mkdirSync } from 'node:fs'
import { networkInterfaces } from 'node:os'
import { join, resolve } from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { Registry as MetricsRegistry } from 'prom-client'
import type { CatalogView } from '../crdt/view.ts'
import { DnsError } from '../dns/errors.ts'
import { DnsServer } from '../dns/server.ts'
import type { AgentInfo, ApiPorts, MemberInfo, WatchEvent } from './api/ports.ts'
import { buildApiServer } from './api/server.ts'
import { LiveView } from './catalog/live-view.ts'
import { CatalogStore } from './catalog/store.ts'
import { dnsInitFromConfig } from './config/dns-init.ts'
import { redactConfig } from './config/load.ts'
import type { Config } from './config/schema.ts'
import { GrapevineError } from './errors.ts'
import { createVerifier, loadOrCreateIdentity, signerFor } from './gossip/identity.ts'
import { GossipService } from './gossip/service.ts'
import { loadSwarmKey } from './gossip/swarm-key.ts'
import { SchedulerChecksPort } from './health/checks-port-adapter.ts'
import { HealthScheduler } from './health/scheduler.ts'
import { createMetrics } from './metrics.ts'
import { loadDefinitions } from './registry/definitions.ts'
import { Registry } from './registry/registry.ts'
import { StateFile } from './registry/state-file.ts'
import { VERSION } from './version.ts'

/**
 * The composition root: the only place that constructs components and fixes their order.
 * Start: identity and local state (fail fast on a broken file), catalog store, health checks,
 * registry, gossip (libp2p), view, DNS, HTTP. Stop runs in reverse; with `leave` the node
 * announces 'left' so its instances vanish everywhere at once.
 */
export interface AgentOptions {
  readonly logger: Logger
  readonly resetLocalState?: boolean
  readonly now?: () => number
  readonly random?: () => number
}

export function splitHostPort(addr: string, what: string): { host: string; port: number } {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(addr)
  const port = m === null ? Number.NaN : Number(m[2])
  if (m === null || !Number.isInteger(port) || port > 65535) {
    throw new GrapevineError('CONFIG_INVALID', `${what} "${addr}" must be host:port, e.g. 127.0.0.1:8500`)
  }
  return { host: m[1] === '' ? '127.0.0.1' : (m[1] as string), port }
}

/** The first non-internal IPv4 address of this host, else loopback. */
export function defaultAdvertiseAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address
  }
  return '127.0.0.1'
}

/** A DNS-safe node name from the host name. */
export function sanitizeNodeName(name: string): string {
  const clean = name
    .split('.')[0]!
    .replace(/[^A-Za-z0-9-]/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
  return clean === '' ? 'node' : clean
}

/** A failure to bind or configure a listener, as the runtime error operators read. */
function asStartError(e: unknown, what: 'DNS' | 'HTTP', addr: string): unknown {
  if (e instanceof DnsError) {
    return new GrapevineError(
      e.code === 'DNS_CONFIG_INVALID' ? 'CONFIG_INVALID' : 'BIND_FAILED',
      e.message,
      e.details === undefined ? undefined : { ...e.details },
      { cause: e },
    )
  }
  const code = (e as NodeJS.ErrnoException).code
  if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
    return new GrapevineError(
      'BIND_FAILED',
      `cannot listen for ${what} on ${addr} (${code}): pick a free address with --${what.toLowerCase()} or stop what holds it${code === 'EACCES' ? '; ports below 1024 need CAP_NET_BIND_SERVICE' : ''}`,
      { address: addr },
      { cause: e },
    )
  }
  return e
}

export class Agent {
  readonly config: Config
  readonly logger: Logger
  readonly store: CatalogStore
  readonly registry: Registry
  readonly gossip: GossipService
  readonly view: LiveView
  readonly metrics: MetricsRegistry
  private readonly api: FastifyInstance
  private readonly stateFile: StateFile
  private readonly checks: HealthScheduler
  private readonly now: () => number
  private readonly startedAt: number
  private dns: DnsServer | undefined
  private httpAddress = ''
  private timers: Array<ReturnType<typeof setInterval>> = []
  private state: 'new' | 'started' | 'stopped' = 'new'
  private readonly nodeName: string
  private readonly advertise: string

  private constructor(args: {
    config: Config
    logger: Logger
    now: () => number
    random: () => number
    store: CatalogStore
    stateFile: StateFile
    checks: HealthScheduler
    registry: Registry
    gossip: GossipService
    view: LiveView
    metrics: MetricsRegistry
    nodeName: string
    advertise: string
  }) {
    this.config = args.config
    this.logger = args.logger
    this.now = args.now
    this.store = args.store
    this.stateFile = args.stateFile
    this.checks = args.checks
    this.registry = args.registry
    this.gossip = args.gossip
    this.view = args.view
    this.metrics = args.metrics
    this.nodeName = args.nodeName
    this.advertise = args.advertise
    this.startedAt = args.now()
    this.api = buildApiServer(
      { ports: this.ports(), logger: args.logger, random: args.random },
      {
        ...(args.config.token === undefined ? {} : { token: args.config.token }),
        bodyLimit: args.config.httpBodyLimit,
        // One line per request is debug detail for a sidecar that is asked constantly.
        logRequests: args.config.logLevel === 'debug' || args.config.logLevel === 'trace',
        datacenter: args.config.datacenter,
      },
    )
  }

  static async create(config: Config, opts: AgentOptions): Promise<Agent> {
    const logger = opts.logger
    const now = opts.now ?? Date.now
    const random = opts.random ?? Math.random
    const dataDir = resolve(config.dataDir)
    mkdirSync(dataDir, { recursive: true, mode: 0o700 })
    const identity = await loadOrCreateIdentity(join(dataDir, 'peer.key'))
    const swarmKey = config.swarmKeyFile === undefined ? undefined : await loadSwarmKey(config.swarmKeyFile)
    const statePath = join(dataDir, 'local-state.json')
    if (opts.resetLocalState === true) {
      const moved = StateFile.moveAside(statePath, now())
      if (moved !== undefined)
        logger.warn({ component: 'agent', movedTo: moved }, 'local state moved aside (--reset-local-state)')
    }
    const stateFile = new StateFile(statePath)
    const loaded = stateFile.load()
    const verify = createVerifier()
    const store = new CatalogStore(
      { now, sign: signerFor(identity.privateKey), verify },
      {
        origin: identity.origin,
        horizonMs: config.horizon,
        maxDriftMs: config.maxClockDrift,
        startHlc: { wall: loaded.hlc[0], count: loaded.hlc[1] },
      },
    )
    if (loaded.hlc[0] > now() + config.maxClockDrift) {
      logger.error(
        {
          component: 'agent',
          lastVersionAt: new Date(loaded.hlc[0]).toISOString(),
          now: new Date(now()).toISOString(),
        },
        'the wall clock is behind the last version this agent issued by more than maxClockDrift: peers will refuse its updates until the clock catches up — fix the clock (NTP)',
      )
    }
    const nodeName = config.nodeName ?? sanitizeNodeName((await import('node:os')).hostname())
    const advertise = config.advertiseAddress ?? defaultAdvertiseAddress()
    const metricsHolder: { view?: () => CatalogView } = {}
    const metrics = createMetrics(() => (metricsHolder.view as () => CatalogView)())
    const checks = new HealthScheduler(
      { logger, now, metrics, random },
      { scriptChecksEnabled: config.enableScriptChecks },
    )
    const registry = new Registry(
      {
        logger: logger.child({ component: 'registry' }),
        store,
        checks: new SchedulerChecksPort(checks),
        stateFile,
      },
      { nodeName, advertiseAddress: advertise, scriptChecksEnabled: config.enableScriptChecks },
    )
    const gossip = new GossipService(
      {
        logger: logger.child({ component: 'gossip' }),
        store,
        now,
        privateKey: identity.privateKey,
        verify,
        metrics,
        random,
      },
      {
        listen: config.listen,
        ...(swarmKey === undefined ? {} : { swarmKey }),
        ...(config.mdns
          ? { mdns: { serviceTag: config.mdnsServiceTag, intervalMs: config.mdnsInterval } }
          : {}),
        join: config.join,
        node: {
          name: nodeName,
          agentVersion: VERSION,
          maintenance: loaded.nodeMaintenance.enabled,
          ...(config.advertiseAddress === undefined ? {} : { addresses: [config.advertiseAddress] }),
        },
        timing: {
          heartbeatMs: config.heartbeatInterval,
          suspectAfterMs: config.suspectAfter,
          evidenceAfterMs: config.suspectAfterLinkLoss,
          unreachableAfterMs: config.unreachableAfter,
          reapAfterMs: config.reapAfter,
        },
        maxHeartbeatRate: config.maxHeartbeatRate,
        probeEveryMs: config.probeInterval,
        debounceMs: config.gossipDebounce,
        syncIntervalMs: config.syncInterval,
      },
    )
    const view = new LiveView(
      {
        store,
        now,
        membership: {
          liveness: (origin) => {
            if (origin === store.origin) return { state: 'alive' }
            const m = gossip.members().get(origin)
            if (m === undefined) return undefined
            return m.reaped
              ? { state: 'reaped' }
              : m.lastSeen === undefined
                ? { state: m.state }
                : { state: m.state, lastSeen: m.lastSeen }
          },
        },
      },
      { startIndex: loaded.index },
    )
    metricsHolder.view = () => view.view()
    const agent = new Agent({
      config,
      logger,
      now,
      random,
      store,
      stateFile,
      checks,
      registry,
      gossip,
      view,
      metrics,
      nodeName,
      advertise,
    })
    registry.setExtraState(() => ({
      index: view.index,
      hlc: [store.clockNow().wall, store.clockNow().count],
    }))
    await registry.start(loaded)
    return agent
  }

  async start(): Promise<void> {
    if (this.state !== 'new') return
    this.state = 'started'
    try {
      await this.startParts()
    } catch (e) {
      await this.stop({ leave: false }).catch(() => undefined)
      throw e
    }
  }

  private async startParts(): Promise<void> {
    const log = this.logger.child({ component: 'agent' })
    this.view.start()
    await this.checks.start()
    if (this.config.configDir !== undefined) {
      const r = await this.reload()
      if (r.errors.length > 0) {
        throw new GrapevineError(
          'CONFIG_INVALID',
          `service definitions in ${this.config.configDir} are invalid:\n  ${r.errors.join('\n  ')}`,
        )
      }
    }
    await this.gossip.start()
    this.gossip.on('member:change', (e) => {
      this.view.memberChanged(e.origin, e.reaped ? 'reaped' : e.state, e.previous)
    })
    this.registry.on('node-maintenance', (enabled) => this.gossip.updateNode({ maintenance: enabled }))
    try {
      this.dns = new DnsServer(
        { logger: this.logger, view: () => this.view.view(), metrics: this.metrics },
        dnsInitFromConfig(this.config),
      )
      await this.dns.start()
    } catch (e) {
      throw asStartError(e, 'DNS', this.config.dns)
    }
    const http = splitHostPort(this.config.http, 'http')
    await this.api.listen({ host: http.host, port: http.port }).catch((e: unknown) => {
      throw asStartError(e, 'HTTP', this.config.http)
    })
    const addr = this.api.server.address()
    this.httpAddress =
      typeof addr === 'object' && addr !== null
        ? `${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`
        : this.config.http
    this.timers.push(setInterval(() => this.store.gc(), Math.min(60_000, this.config.horizon)))
    this.timers.push(setInterval(() => this.registry.refresh(), this.config.refreshInterval))
    for (const t of this.timers) t.unref()
    log.info(
      {
        node: this.nodeName,
        peerId: this.store.origin,
        http: this.httpAddress,
        dns: this.dnsAddr(),
        multiaddrs: this.gossip.multiaddrs(),
        join: this.config.join,
        mdns: this.config.mdns,
      },
      `grapevine agent ${VERSION} ready — HTTP ${this.httpAddress}, DNS ${this.dnsAddr() ?? 'off'}; join it with --join ${this.gossip.multiaddrs()[0] ?? '(no address)'}`,
    )
  }

  async stop(opts: { leave?: boolean } = {}): Promise<void> {
    if (this.state !== 'started') return
    this.state = 'stopped'
    for (const t of this.timers) clearInterval(t)
    this.timers = []
    if (this.httpAddress !== '') await this.api.close()
    await this.dns?.stop()
    await this.gossip.stop({ leave: opts.leave !== false })
    await this.registry.stop()
    await this.checks.stop()
    this.view.stop()
  }

  /** Reload service definition files: register what they hold, drop file registrations that went away. */
  async reload(): Promise<{ loaded: number; errors: string[] }> {
    const dir = this.config.configDir
    if (dir === undefined) return { loaded: 0, errors: [] }
    const { registrations, errors } = loadDefinitions(dir)
    const errs = [...errors]
    const seen = new Set<string>()
    for (const { file, input } of registrations) {
      try {
        const r = await this.registry.register(input, { source: 'file' })
        seen.add(r.id)
      } catch (e) {
        errs.push(`${file}: ${(e as Error).message}`)
      }
    }
    if (errs.length === 0) {
      for (const l of this.registry.list())
        if (l.source === 'file' && !seen.has(l.id)) await this.registry.deregister(l.id)
    }
    return { loaded: seen.size, errors: errs }
  }

  httpAddr(): string {
    return this.httpAddress
  }

  dnsAddr(): string | undefined {
    const a = this.dns?.addresses()
    return a === undefined ? undefined : `${a.udp.host}:${a.udp.port}`
  }

  private members(): MemberInfo[] {
    const out: MemberInfo[] = []
    for (const n of this.view.view().nodes()) {
      const m = n.origin === this.store.origin ? undefined : this.gossip.members().get(n.origin)
      const lastSeen = n.origin === this.store.origin ? this.now() : m?.lastSeen
      out.push({
        origin: n.origin,
        name: n.name,
        addresses: n.addresses,
        multiaddrs: n.multiaddrs,
        state: n.state,
        ...(lastSeen === undefined ? {} : { lastSeen }),
        agentVersion: n.agentVersion,
        meta: n.meta,
      })
    }
    return out
  }

  private agentInfo(): AgentInfo {
    return {
      nodeName: this.nodeName,
      peerId: this.store.origin,
      datacenter: this.config.datacenter,
      version: VERSION,
      listen: this.gossip.multiaddrs(),
      http: this.httpAddress,
      dns: this.dnsAddr() ?? '',
      domain: this.config.domain,
      startedAt: this.startedAt,
      config: { ...redactConfig(this.config), advertiseAddress: this.advertise },
    }
  }

  private ports(): ApiPorts {
    return {
      view: () => this.view.view(),
      waitForIndex: (index, timeoutMs, signal) => this.view.waitForIndex(index, timeoutMs, signal),
      registry: this.registry,
      members: () => this.members(),
      agentInfo: () => this.agentInfo(),
      subscribe: (listener: (e: WatchEvent) => void) => {
        this.view.on('watch', listener)
        return () => this.view.off('watch', listener)
      },
      readiness: () => {
        const reasons: string[] = []
        if (this.state !== 'started') reasons.push('agent is starting')
        if (this.config.join.length > 0 && !this.gossip.synced()) reasons.push('not yet synced with a peer')
        return { ready: reasons.length === 0, reasons }
      },
      metrics: this.metrics,
      now: this.now,
      reload: () => this.reload(),
    }
  }
}
