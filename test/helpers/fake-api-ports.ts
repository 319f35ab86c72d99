import { Registry } from 'prom-client'
import type {
  AgentInfo,
  ApiPorts,
  LocalInstance,
  MemberInfo,
  RegisterResult,
  RegistrationInput,
  RegistryPort,
  WatchEvent,
} from '../../agent/api/ports.ts'
import { GrapevineError } from '../../agent/errors.ts'
import type { Hlc } from '../../crdt/hlc.ts'
import { instanceKey } from '../../crdt/keys.ts'
import type { CheckStatus, Health, InstanceValue } from '../../crdt/schema.ts'
import {
  type CatalogView,
  createCatalogView,
  type InstanceView,
  type MemberState,
  type NodeView,
} from '../../crdt/view.ts'

/**
 * An in-memory `ApiPorts` for API tests (and the integrator's end-to-end tests): a catalog view
 * built with `createCatalogView`, a registry that writes local instances into it, members, watch
 * events and `waitForIndex`, all driven by an injected clock. Every change bumps the index by 1.
 */
export interface FakeApiPortsInit {
  readonly now: () => number
  readonly localOrigin?: string
  readonly nodeName?: string
}

export const LOCAL_ORIGIN = '12D3KooWLocalPeer1111111111111111111111111111111'

export class FakeApiPorts implements ApiPorts {
  readonly metrics = new Registry()
  readonly registry: FakeRegistry
  readonly localOrigin: string
  readonly nodeName: string
  readonly now: () => number
  ready: { ready: boolean; reasons: string[] } = { ready: true, reasons: [] }
  reloadResult: { loaded: number; errors: string[] } = { loaded: 0, errors: [] }
  reloads = 0
  info: Partial<AgentInfo> = {}
  private index = 1
  private counter = 0
  private readonly instanceMap = new Map<string, InstanceView>()
  private readonly nodeMap = new Map<string, NodeView & { lastSeen?: number }>()
  private readonly listeners = new Set<(e: WatchEvent) => void>()
  private readonly waiters = new Set<() => void>()
  private cached: CatalogView | undefined

  constructor(init: FakeApiPortsInit) {
    this.now = init.now
    this.localOrigin = init.localOrigin ?? LOCAL_ORIGIN
    this.nodeName = init.nodeName ?? 'local-node'
    this.registry = new FakeRegistry(this)
    this.putNode({ origin: this.localOrigin, name: this.nodeName })
  }

  view(): CatalogView {
    this.cached ??= createCatalogView({
      index: this.index,
      localOrigin: this.localOrigin,
      instances: [...this.instanceMap.values()],
      nodes: [...this.nodeMap.values()],
    })
    return this.cached
  }

  get currentIndex(): number {
    return this.index
  }

  waitForIndex(index: number, timeoutMs: number, signal?: AbortSignal): Promise<number> {
    if (this.index > index || signal?.aborted === true) return Promise.resolve(this.index)
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        this.waiters.delete(check)
        signal?.removeEventListener('abort', done)
        resolve(this.index)
      }
      const check = () => {
        if (this.index > index) done()
      }
      const timer = setTimeout(done, timeoutMs)
      this.waiters.add(check)
      signal?.addEventListener('abort', done, { once: true })
    })
  }

  /** How many blocking queries are waiting right now. */
  get waiting(): number {
    return this.waiters.size
  }

  subscribe(listener: (event: WatchEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  get subscribers(): number {
    return this.listeners.size
  }

  members(): readonly MemberInfo[] {
    return [...this.nodeMap.values()].map((n) => ({
      origin: n.origin,
      name: n.name,
      addresses: n.addresses,
      multiaddrs: n.multiaddrs,
      state: n.state,
      agentVersion: n.agentVersion,
      meta: n.meta,
      ...(n.lastSeen === undefined ? {} : { lastSeen: n.lastSeen }),
    }))
  }

  agentInfo(): AgentInfo {
    return {
      nodeName: this.nodeName,
      peerId: this.localOrigin,
      datacenter: 'dc1',
      version: '0.1.0',
      listen: ['/ip4/127.0.0.1/tcp/7950'],
      http: '127.0.0.1:8500',
      dns: '127.0.0.1:8600',
      domain: 'grapevine',
      startedAt: 1_700_000_000_000,
      config: { node: this.nodeName, mdns: false },
      ...this.info,
    }
  }

  readiness() {
    return this.ready
  }

  async reload() {
    this.reloads++
    return this.reloadResult
  }

  /** Put (or replace) an instance owned by `origin` (default: this agent). */
  putInstance(
    value: Partial<InstanceValue> & { id: string; service: string },
    opts: { origin?: string; hlc?: Hlc; nodeState?: MemberState } = {},
  ): InstanceView {
    const origin = opts.origin ?? this.localOrigin
    const key = instanceKey(origin, value.id)
    const previous = this.instanceMap.get(key)
    const instance: InstanceValue = {
      kind: 'instance',
      node: this.nodeMap.get(origin)?.name ?? 'node',
      address: '127.0.0.1',
      port: 8080,
      protocol: 'http',
      tags: [],
      meta: {},
      weight: 1,
      version: '',
      health: 'passing',
      checks: [],
      ...value,
    }
    const iv: InstanceView = {
      key,
      origin,
      hlc: opts.hlc ?? { wall: this.now(), count: this.counter++ },
      instance,
      health: instance.health,
      nodeState: opts.nodeState ?? this.nodeMap.get(origin)?.state ?? 'alive',
    }
    this.instanceMap.set(key, iv)
    const type =
      previous === undefined ? 'registered' : previous.health !== iv.health ? 'health-changed' : 'updated'
    this.changed({
      type,
      service: instance.service,
      instanceKey: key,
      health: iv.health,
      index: this.index + 1,
    })
    return iv
  }

  removeInstance(key: string): boolean {
    const previous = this.instanceMap.get(key)
    if (previous === undefined) return false
    this.instanceMap.delete(key)
    this.changed({
      type: 'removed',
      service: previous.instance.service,
      instanceKey: key,
      index: this.index + 1,
    })
    return true
  }

  putNode(n: Partial<NodeView> & { origin: string; name: string; lastSeen?: number }): void {
    const previous = this.nodeMap.get(n.origin)
    const node = {
      addresses: ['127.0.0.1'],
      multiaddrs: [`/ip4/127.0.0.1/tcp/7950/p2p/${n.origin}`],
      meta: {},
      maintenance: false,
      agentVersion: '0.1.0',
      state: 'alive' as const,
      hlc: { wall: this.now(), count: this.counter++ },
      ...n,
    }
    this.nodeMap.set(n.origin, node)
    const type =
      previous === undefined ? 'member-joined' : node.state === 'left' ? 'member-left' : 'member-changed'
    this.changed({ type, node: node.name, origin: node.origin, state: node.state, index: this.index + 1 })
  }

  private changed(event: WatchEvent): void {
    this.index = event.index
    this.cached = undefined
    for (const l of [...this.listeners]) l(event)
    for (const w of [...this.waiters]) w()
  }
}

/** Local registrations, written into the fake catalog as this agent's instances. */
export class FakeRegistry implements RegistryPort {
  private readonly ports: FakeApiPorts
  private readonly local = new Map<string, LocalInstance>()
  private nodeMaint = false
  private seq = 0

  constructor(ports: FakeApiPorts) {
    this.ports = ports
  }

  async register(input: RegistrationInput, opts?: { id?: string }): Promise<RegisterResult> {
    const id = opts?.id ?? input.id ?? `${input.service}-${++this.seq}`
    const created = !this.local.has(id)
    const checks = (input.checks ?? []).map((c, i) => ({
      id: c.id ?? `${id}:${i + 1}`,
      name: c.name ?? `${c.type} check`,
      type: c.type,
      status: (c.initialStatus ?? 'critical') as CheckStatus,
      output: '',
      since: this.ports.now(),
      definition: c,
    }))
    const health: Health = input.maintenance === true ? 'maintenance' : worst(checks.map((c) => c.status))
    const iv = this.ports.putInstance({
      id,
      service: input.service,
      port: input.port,
      address: input.address ?? '127.0.0.1',
      protocol: input.protocol ?? 'http',
      tags: input.tags ?? [],
      meta: input.meta ?? {},
      weight: input.weight ?? 1,
      version: input.version ?? '',
      health,
      checks: checks.map(({ id: cid, name, type, status, output }) => ({
        id: cid,
        name,
        type,
        status,
        output,
      })),
    })
    this.local.set(id, {
      id,
      value: iv.instance,
      checks,
      maintenance: input.maintenance === true,
      source: 'api',
    })
    return { id, created }
  }

  async deregister(id: string): Promise<boolean> {
    if (!this.local.delete(id)) return false
    this.ports.removeInstance(instanceKey(this.ports.localOrigin, id))
    return true
  }

  get(id: string): LocalInstance | undefined {
    return this.local.get(id)
  }

  list(): readonly LocalInstance[] {
    return [...this.local.values()]
  }

  async reportTtl(id: string, status: CheckStatus, note?: string): Promise<void> {
    const li = this.local.get(id) ?? [...this.local.values()].find((x) => x.checks.some((c) => c.id === id))
    if (li === undefined) throw new GrapevineError('NOT_FOUND', `no instance or check "${id}" on this agent`)
    const one = li.checks.some((c) => c.id === id)
    const checks = li.checks.map((c) =>
      (one ? c.id === id : c.type === 'ttl') ? { ...c, status, output: note ?? '' } : c,
    )
    const health: Health = li.maintenance
      ? 'maintenance'
      : worst(
          checks.map((c) => c.status),
          status,
        )
    const summaries = checks.map(({ id: cid, name, type, status: st, output }) => ({
      id: cid,
      name,
      type,
      status: st,
      output,
    }))
    const iv = this.ports.putInstance({ ...li.value, health, checks: summaries })
    this.local.set(li.id, { ...li, value: iv.instance, checks })
  }

  async setMaintenance(instanceId: string, enable: boolean, reason?: string): Promise<void> {
    const li = this.local.get(instanceId)
    if (li === undefined) throw new GrapevineError('NOT_FOUND', `no instance "${instanceId}" on this agent`)
    const health: Health = enable ? 'maintenance' : worst(li.checks.map((c) => c.status))
    const iv = this.ports.putInstance({ ...li.value, health })
    const { maintenanceReason: _old, ...rest } = li
    const next: LocalInstance = { ...rest, value: iv.instance, maintenance: enable }
    this.local.set(li.id, enable && reason !== undefined ? { ...next, maintenanceReason: reason } : next)
  }

  async setNodeMaintenance(enable: boolean): Promise<void> {
    this.nodeMaint = enable
  }

  nodeMaintenance(): boolean {
    return this.nodeMaint
  }
}

function worst(statuses: readonly CheckStatus[], fallback: CheckStatus = 'passing'): Health {
  if (statuses.length === 0) return fallback
  if (statuses.includes('critical')) return 'critical'
  if (statuses.includes('warning')) return 'warning'
  return 'passing'
}
