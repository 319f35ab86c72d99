import { join } from 'node:path'
import type { Fleet, Host } from './fleet.ts'
import { NODE_BIN, REPO_ROOT } from './fleet.ts'
import type { HostProcess, LogLine } from './host-process.ts'

/**
 * One real `grapevine agent` on a test host, started exactly as an operator (and the Docker
 * image) starts it: `node agent/cli/bin.ts agent ...`, with mDNS ON, no `--join`, the `local`
 * preset's fast timers, HTTP and DNS on the host's own loopback (8500/8600, free because every
 * host has its own), libp2p on the host's address. Its API is reached through the host's courier.
 */
export interface FleetAgentOptions {
  readonly swarmKeyFile?: string
  readonly logLevel?: string
  /** Reuse a data dir (restart with the same identity and registrations). */
  readonly dataDir?: string
}

export interface MemberAnswer {
  readonly name: string
  readonly peerId: string
  readonly state: 'alive' | 'suspect' | 'unreachable' | 'left'
  readonly local: boolean
}

export interface InstanceAnswer {
  readonly key: string
  readonly id: string
  readonly service: string
  readonly node: string
  readonly address: string
  readonly port: number
  readonly health: string
  readonly nodeState: string
  readonly freshness: { readonly version: string }
}

/**
 * Where the agent's code is run from: this checkout, or `GV_FLEET_AGENT_ROOT` (e.g. an exported
 * commit, `git archive HEAD | tar -x -C DIR` plus a node_modules link, to drill a fixed commit
 * while the working tree is being edited).
 */
const AGENT_ROOT = process.env.GV_FLEET_AGENT_ROOT ?? REPO_ROOT
/** `node agent/cli/bin.ts agent`: the Docker image's entrypoint is this same command. */
export const AGENT_ENTRY = ['agent/cli/bin.ts', 'agent'] as const
const AGENT_BIN = join(AGENT_ROOT, AGENT_ENTRY[0])

export const HTTP_PORT = 8500
export const DNS_PORT = 8600

export class FleetAgent {
  readonly fleet: Fleet
  readonly host: Host
  readonly dataDir: string
  readonly options: FleetAgentOptions
  process: HostProcess
  peerId = ''
  /** ms (performance.now) when the ready line was seen. */
  readyAt = 0

  private constructor(fleet: Fleet, host: Host, options: FleetAgentOptions) {
    this.fleet = fleet
    this.host = host
    this.options = options
    this.dataDir = options.dataDir ?? fleet.dir(`${host.name}-data`)
    this.process = this.spawn()
  }

  static async start(fleet: Fleet, host: Host, options: FleetAgentOptions = {}): Promise<FleetAgent> {
    const agent = new FleetAgent(fleet, host, options)
    await agent.waitReady()
    return agent
  }

  get name(): string {
    return this.host.name
  }

  private spawn(): HostProcess {
    const ip = this.host.ip
    const argv = [
      NODE_BIN,
      AGENT_BIN,
      AGENT_ENTRY[1],
      '--preset',
      'local',
      '--mdns',
      '--node',
      this.host.name,
      '--data-dir',
      this.dataDir,
      '--http',
      `127.0.0.1:${HTTP_PORT}`,
      '--dns',
      `127.0.0.1:${DNS_PORT}`,
      '--listen',
      `/ip4/${ip}/tcp/7950`,
      '--advertise',
      ip,
      '--log-level',
      this.options.logLevel ?? 'info',
      ...(this.options.swarmKeyFile === undefined ? [] : ['--swarm-key', this.options.swarmKeyFile]),
    ]
    return this.fleet.spawn(this.host, { argv })
  }

  private async waitReady(): Promise<void> {
    const line = await this.process.waitForLog(
      'the agent ready line',
      (l) => l.component === 'agent' && typeof l.peerId === 'string' && typeof l.http === 'string',
      20_000,
    )
    this.peerId = line.peerId as string
    this.readyAt = performance.now()
  }

  /** Start again on the same data dir (after a crash or a stop). */
  async restart(): Promise<void> {
    if (this.process.alive) throw new Error(`${this.name}: still running`)
    this.process = this.spawn()
    await this.waitReady()
  }

  logs(match: (l: LogLine) => boolean): LogLine[] {
    return this.process.logs.filter(match)
  }

  async call<T>(method: string, path: string, body?: unknown, timeoutMs = 10_000): Promise<T> {
    const url = `http://127.0.0.1:${HTTP_PORT}${path}`
    const r = await this.host.courier.request(method, url, body, timeoutMs)
    if (r.status >= 300) throw new Error(`${this.name}: ${method} ${path} -> ${r.status} ${r.body}`)
    return (r.body === '' ? undefined : JSON.parse(r.body)) as T
  }

  async members(timeoutMs?: number): Promise<MemberAnswer[]> {
    return (await this.call<{ members: MemberAnswer[] }>('GET', '/v1/members', undefined, timeoutMs)).members
  }

  async instancesOf(service: string): Promise<InstanceAnswer[]> {
    return (await this.call<{ instances: InstanceAnswer[] }>('GET', `/v1/services/${service}`)).instances
  }

  async serviceNames(): Promise<string[]> {
    return (await this.call<{ services: Array<{ name: string }> }>('GET', '/v1/services')).services.map(
      (s) => s.name,
    )
  }

  /** Register; resolves once the agent acknowledged (persisted) the write. */
  async register(body: Record<string, unknown>): Promise<string> {
    return (await this.call<{ id: string }>('POST', '/v1/instances', body)).id
  }

  async deregister(id: string): Promise<void> {
    await this.call('DELETE', `/v1/instances/${encodeURIComponent(id)}`)
  }

  async setHealth(id: string, status: 'passing' | 'warning' | 'critical'): Promise<void> {
    await this.call('PUT', `/v1/instances/${encodeURIComponent(id)}/health`, { status })
  }

  /**
   * Every instance this agent answers with, one canonical line each (record key, owner, address,
   * effective health, owner liveness, record version), sorted: equal strings on two agents mean
   * they hold the same records at the same versions and report the same health.
   */
  async listing(): Promise<string> {
    const lines: string[] = []
    for (const name of await this.serviceNames()) {
      for (const i of await this.instancesOf(name)) {
        lines.push(
          [
            i.key,
            i.service,
            i.id,
            i.node,
            `${i.address}:${i.port}`,
            i.health,
            i.nodeState,
            i.freshness.version,
          ].join(' '),
        )
      }
    }
    return lines.sort().join('\n')
  }
}
