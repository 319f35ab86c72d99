import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import type { CatalogView } from '../crdt/view.ts'
import { AnswerCache } from './answer-cache.ts'
import { rcodeResponse, type Transport } from './assemble.ts'
import { buildChain, runChain } from './chain.ts'
import { DnsError } from './errors.ts'
import { Forwarder } from './forward.ts'
import type { Handler, Outcome } from './handlers/types.ts'
import { createDnsMetrics, type DnsMetrics } from './metrics.ts'
import { type DnsOptions, type DnsServerInit, resolveDnsOptions } from './options.ts'
import { parseQuery, type QueryParse } from './query.ts'
import { ResponseRateLimiter } from './rate-limit.ts'
import { TcpListener } from './tcp-listener.ts'
import { UdpListener } from './udp-listener.ts'
import { RCODE } from './wire-constants.ts'

export interface DnsServerComponents {
  /** A pino logger; the server logs through a child with component 'dns'. */
  readonly logger: Logger
  /** The current catalog read model; called per query, must be cheap (the agent returns its latest). */
  readonly view: () => CatalogView
  readonly metrics?: Registry
  /** Randomness for answer order; default Math.random. Tests pass a seeded one. */
  readonly random?: () => number
  /** Clock for the rate limiter, ms; default Date.now. */
  readonly now?: () => number
}

export interface DnsAddresses {
  readonly udp: { readonly host: string; readonly port: number }
  readonly tcp: { readonly host: string; readonly port: number }
}

/**
 * The DNS server: UDP and TCP listeners in front of the handler chain (chain.ts). Construct with
 * `(components, init)`; `start()` binds, `stop()` closes; both are idempotent. With port 0 the
 * bound ports are read from `addresses()`.
 */
export class DnsServer {
  readonly options: DnsOptions
  private readonly logger: Logger
  private readonly cache: AnswerCache
  private readonly chain: readonly Handler[]
  private readonly metrics: DnsMetrics
  private readonly udp: UdpListener
  private readonly tcp: TcpListener
  private bound: DnsAddresses | undefined
  private starting: Promise<void> | undefined
  private lastFailureLog = 0

  constructor(components: DnsServerComponents, init: DnsServerInit = {}) {
    const r = resolveDnsOptions(init)
    if (!r.ok) {
      const list = r.problems.map((p) => `${p.key}: ${p.message}`).join('; ')
      throw new DnsError('DNS_CONFIG_INVALID', `invalid DNS options: ${list}`, { problems: r.problems })
    }
    const o = r.options
    this.options = o
    this.logger = components.logger.child({ component: 'dns' })
    this.metrics = createDnsMetrics(components.metrics)
    this.cache = new AnswerCache(components.view, {
      domains: o.domains,
      settings: {
        ttl: o.ttl,
        negativeTtl: o.negativeTtl,
        nsAddresses: o.nsAddresses,
        primaryDomain: o.domains[0]!,
      },
      policy: { allowWarning: o.allowWarning },
      maxEntries: o.maxCacheEntries,
    })
    const forwarder =
      o.recursors.length > 0
        ? new Forwarder(
            { logger: this.logger },
            { recursors: o.recursors, timeoutMs: o.recursorTimeoutMs, maxInFlight: o.maxForwardsInFlight },
          )
        : undefined
    this.chain = buildChain({
      cache: this.cache,
      forwarder,
      random: components.random ?? Math.random,
      preferLocal: o.preferLocal,
      maxUdpSize: o.maxUdpSize,
    })
    const limiter = o.rateLimit.enabled
      ? new ResponseRateLimiter({ now: components.now ?? Date.now }, o.rateLimit)
      : undefined
    const handle = this.handle
    this.udp = new UdpListener({ logger: this.logger, handle, limiter, metrics: this.metrics })
    this.tcp = new TcpListener(
      { logger: this.logger, handle, metrics: this.metrics },
      { idleTimeoutMs: o.tcpIdleTimeoutMs, maxConnections: o.maxTcpConnections },
    )
  }

  /** One message through the chain (also usable without sockets, e.g. in tests). */
  readonly handle = (
    raw: Uint8Array,
    transport: Transport,
    source: { address: string; port: number },
  ): { parsed: QueryParse; outcome: Outcome | Promise<Outcome> } => {
    const parsed = parseQuery(raw)
    try {
      return { parsed, outcome: runChain(this.chain, { raw, parsed, transport, source }) }
    } catch (err) {
      // A bug or a failing view(): answer SERVFAIL rather than nothing, and log at most once a second.
      const t = Date.now()
      if (t - this.lastFailureLog >= 1000) {
        this.lastFailureLog = t
        this.logger.error({ err }, 'dns handler failed; answering SERVFAIL')
      }
      if (!parsed.ok) return { parsed, outcome: { kind: 'drop', reason: 'handler failed' } }
      const bytes = rcodeResponse(raw, parsed.query, RCODE.SERVFAIL, this.options.maxUdpSize)
      return { parsed, outcome: { kind: 'reply', bytes, rcode: RCODE.SERVFAIL, via: 'failure' } }
    }
  }

  /** Answers computed so far (cache misses): stays flat between catalog changes. */
  get answersComputed(): number {
    return this.cache.computed
  }

  addresses(): DnsAddresses {
    if (this.bound === undefined) throw new Error('DnsServer.addresses() called before start()')
    return this.bound
  }

  async start(): Promise<void> {
    if (this.bound !== undefined) return
    this.starting ??= this.bind()
    try {
      await this.starting
    } finally {
      this.starting = undefined
    }
  }

  private async bind(): Promise<void> {
    const o = this.options
    try {
      // With port 0 for both on one host, TCP takes the port UDP got (resolvers retry truncated
      // answers over TCP on the same port); if that port is taken for TCP, try another pair.
      const samePort = o.tcp.port === 0 && o.udp.port === 0 && o.tcp.host === o.udp.host
      for (let attempt = 1; ; attempt++) {
        const udpPort = await this.udp.start(o.udp.host, o.udp.port, o.udpReceiveBufferBytes)
        try {
          const tcpPort = await this.tcp.start(o.tcp.host, samePort ? udpPort : o.tcp.port)
          this.bound = { udp: { host: o.udp.host, port: udpPort }, tcp: { host: o.tcp.host, port: tcpPort } }
          break
        } catch (err) {
          await this.udp.stop()
          if (!samePort || attempt >= 10) throw err
        }
      }
    } catch (err) {
      await this.udp.stop()
      await this.tcp.stop()
      throw new DnsError(
        'DNS_BIND_FAILED',
        `cannot bind DNS on udp ${o.udp.host}:${o.udp.port} / tcp ${o.tcp.host}:${o.tcp.port}: ${(err as Error).message}. Pick a free port, or grant CAP_NET_BIND_SERVICE for port 53.`,
        {},
        { cause: err },
      )
    }
    this.logger.info(
      {
        udp: this.bound.udp,
        tcp: this.bound.tcp,
        udpIo: this.udp.io,
        domains: o.domains,
        recursors: o.recursors.length,
      },
      'dns listening',
    )
  }

  async stop(): Promise<void> {
    if (this.starting !== undefined) await this.starting.catch(() => {})
    if (this.bound === undefined) return
    this.bound = undefined
    await this.udp.stop()
    await this.tcp.stop()
    this.logger.info('dns stopped')
  }
}
