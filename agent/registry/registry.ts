import { EventEmitter } from 'node:events'
import type { Logger } from 'pino'
import { canonicalJson } from '../../crdt/canonical.ts'
import { instanceKey, parseKey } from '../../crdt/keys.ts'
import type { CheckStatus } from '../../crdt/schema.ts'
import type { LocalInstance, RegisterResult, RegistrationInput, RegistryPort } from '../api/ports.ts'
import type { CatalogStore } from '../catalog/store.ts'
import { GrapevineError } from '../errors.ts'
import type { ChecksPort } from './checks-port.ts'
import { deriveInstanceId, toInstanceValue } from './instance-value.ts'
import { emptyState, type LocalState, type StateFile, type StoredRegistration } from './state-file.ts'

/**
 * The instances this host owns. Every acknowledged change is on disk before the call returns
 * (so a crash never loses an acknowledged registration), then published to the catalog, and
 * only when the record actually changed: identical check results never make a new version.
 */
export interface RegistryComponents {
  readonly logger: Logger
  readonly store: CatalogStore
  readonly checks: ChecksPort
  readonly stateFile: StateFile
}

export interface RegistryInit {
  readonly nodeName: string
  readonly advertiseAddress: string
  readonly scriptChecksEnabled: boolean
}

export interface RegistryEvents {
  'node-maintenance': [boolean]
}

interface Held {
  stored: StoredRegistration
}

export class Registry extends EventEmitter<RegistryEvents> implements RegistryPort {
  private readonly c: RegistryComponents
  private readonly init: RegistryInit
  private readonly held = new Map<string, Held>()
  private readonly published = new Map<string, string>()
  private state: LocalState = emptyState()
  private started = false
  private checksDirty: ReturnType<typeof setTimeout> | undefined
  private extraState: () => Pick<LocalState, 'index' | 'hlc'> = () => ({ index: 0, hlc: [0, 0] })

  constructor(components: RegistryComponents, init: RegistryInit) {
    super()
    this.c = components
    this.init = init
  }

  /** Lets the agent add its index and clock to every save. */
  setExtraState(fn: () => Pick<LocalState, 'index' | 'hlc'>): void {
    this.extraState = fn
  }

  /** Load the state file (throws on a corrupt one), restore checks, re-announce every instance. */
  async start(loaded?: LocalState): Promise<void> {
    if (this.started) return
    this.started = true
    this.state = loaded ?? this.c.stateFile.load()
    this.c.checks.onChange((id) => {
      this.publish(id)
      this.scheduleChecksSave()
    })
    this.c.checks.onDeregisterCritical((id) => {
      this.c.logger.warn(
        { instance: id },
        'deregistering instance: critical longer than deregisterCriticalAfter',
      )
      void this.deregister(id).catch((e: unknown) => this.c.logger.error({ err: e }, 'deregister failed'))
    })
    for (const stored of this.state.registrations) {
      this.held.set(stored.id, { stored })
      this.c.checks.set(stored.id, stored.input.checks ?? [])
    }
    if (this.state.checks !== undefined) this.c.checks.restore(this.state.checks)
    for (const id of this.held.keys()) this.publish(id, true)
    this.retractUnknown()
  }

  async stop(): Promise<void> {
    if (!this.started) return
    this.started = false
    if (this.checksDirty !== undefined) clearTimeout(this.checksDirty)
    this.checksDirty = undefined
    for (const id of this.held.keys()) this.c.checks.remove(id)
    await this.save()
  }

  /** Tombstone records in the catalog that claim to be ours but are not registered here. */
  retractUnknown(): number {
    let n = 0
    for (const entry of [...this.c.store.entries()]) {
      if (entry.origin !== this.c.store.origin || entry.value === null) continue
      const parsed = parseKey(entry.key)
      if (parsed?.kind !== 'inst' || this.held.has(parsed.id)) continue
      this.c.store.writeLocal(entry.key, null)
      n++
    }
    return n
  }

  private defaultAddress(): string {
    return this.init.advertiseAddress
  }

  async register(
    input: RegistrationInput,
    opts: { readonly id?: string; readonly source?: 'api' | 'file' } = {},
  ): Promise<RegisterResult> {
    const address = input.address ?? this.defaultAddress()
    const id = opts.id ?? input.id ?? deriveInstanceId(input.service, address, input.port)
    if (opts.id !== undefined && input.id !== undefined && input.id !== opts.id) {
      throw new GrapevineError(
        'VALIDATION',
        `body/id "${input.id}" does not match the id in the path "${opts.id}"; omit it or make them equal`,
      )
    }
    const defs = input.checks ?? []
    if (!this.init.scriptChecksEnabled && defs.some((d) => d.type === 'exec')) {
      throw new GrapevineError(
        'SCRIPT_CHECKS_DISABLED',
        'exec checks are disabled on this agent: the operator must start it with --enable-script-checks (config key enableScriptChecks) to allow them',
      )
    }
    const problems = this.c.checks.validate(id, defs)
    if (problems.length > 0) throw new GrapevineError('VALIDATION', problems.join('; '), { problems })
    const previous = this.held.get(id)
    const stored: StoredRegistration = {
      id,
      input: { ...input, id },
      source: opts.source ?? 'api',
      maintenance: previous?.stored.maintenance ?? input.maintenance ?? false,
    }
    if (input.maintenance !== undefined) stored.maintenance = input.maintenance
    if (previous?.stored.maintenanceReason !== undefined && stored.maintenance) {
      stored.maintenanceReason = previous.stored.maintenanceReason
    }
    this.held.set(id, { stored })
    // Gossip while the state file is written: the fleet learns of it one fsync sooner. The
    // client's acknowledgement still waits for the disk; if the write fails, the change is
    // rolled back everywhere (and a crash in between is repaired by retractUnknown at start).
    const saved = this.save()
    this.c.checks.set(id, defs)
    this.publish(id)
    try {
      await saved
    } catch (e) {
      if (previous === undefined) {
        this.held.delete(id)
        this.c.checks.remove(id)
        this.published.delete(id)
        this.c.store.writeLocal(instanceKey(this.c.store.origin, id), null)
      } else {
        this.held.set(id, previous)
        this.c.checks.set(id, previous.stored.input.checks ?? [])
        this.publish(id)
      }
      throw new GrapevineError(
        'UNAVAILABLE',
        `could not save the registration to ${this.c.stateFile.path}: ${(e as Error).message}; check the data directory's free space and permissions`,
        undefined,
        { cause: e },
      )
    }
    return { id, created: previous === undefined }
  }

  async deregister(id: string): Promise<boolean> {
    if (!this.held.has(id)) return false
    this.held.delete(id)
    await this.save()
    this.c.checks.remove(id)
    this.published.delete(id)
    this.c.store.writeLocal(instanceKey(this.c.store.origin, id), null)
    return true
  }

  get(id: string): LocalInstance | undefined {
    const h = this.held.get(id)
    return h === undefined ? undefined : this.toLocal(h)
  }

  list(): readonly LocalInstance[] {
    return [...this.held.values()]
      .map((h) => this.toLocal(h))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  }

  async reportTtl(id: string, status: CheckStatus, note?: string): Promise<void> {
    // A report moves the TTL deadline even when the status stays: persist it (debounced), so a
    // restart does not bring back an older deadline and turn a healthy check critical.
    if (this.c.checks.report(id, status, note)) {
      this.scheduleChecksSave()
      return
    }
    const ttl = this.c.checks.ttlCheckIds(id)
    if (!this.held.has(id) || ttl.length === 0) {
      throw new GrapevineError(
        'NOT_FOUND',
        this.held.has(id)
          ? `instance "${id}" has no TTL check; register it with a check of type "ttl" to report its health`
          : `no TTL check or instance "${id}" on this agent; list them with GET /v1/instances or \`grapevine services list\``,
      )
    }
    for (const checkId of ttl) this.c.checks.report(checkId, status, note)
    this.scheduleChecksSave()
  }

  async setMaintenance(instanceId: string, enable: boolean, reason?: string): Promise<void> {
    const h = this.held.get(instanceId)
    if (h === undefined) {
      throw new GrapevineError('NOT_FOUND', `no instance "${instanceId}" registered on this agent`)
    }
    h.stored = { ...h.stored, maintenance: enable }
    if (enable && reason !== undefined) h.stored.maintenanceReason = reason
    else delete h.stored.maintenanceReason
    await this.save()
    this.publish(instanceId)
  }

  async setNodeMaintenance(enable: boolean, reason?: string): Promise<void> {
    this.state = {
      ...this.state,
      nodeMaintenance: reason !== undefined && enable ? { enabled: enable, reason } : { enabled: enable },
    }
    await this.save()
    this.emit('node-maintenance', enable)
  }

  nodeMaintenance(): boolean {
    return this.state.nodeMaintenance.enabled
  }

  /** Re-stamp every live record (inside the expiry horizon) even if unchanged. */
  refresh(): void {
    for (const id of this.held.keys()) this.publish(id, true)
  }

  private toLocal(h: Held): LocalInstance {
    const s = h.stored
    const base = {
      id: s.id,
      value: this.instanceValue(s),
      checks: this.c.checks.states(s.id),
      maintenance: s.maintenance,
      source: s.source,
    }
    return s.maintenanceReason === undefined ? base : { ...base, maintenanceReason: s.maintenanceReason }
  }

  private instanceValue(s: StoredRegistration) {
    return toInstanceValue({
      id: s.id,
      input: s.input,
      nodeName: this.init.nodeName,
      defaultAddress: this.defaultAddress(),
      maintenance: s.maintenance,
      checks: this.c.checks.states(s.id),
    })
  }

  /** Write the instance record if it differs from what we last published (or when forced). */
  private publish(id: string, force = false): void {
    const h = this.held.get(id)
    if (h === undefined) return
    const value = this.instanceValue(h.stored)
    const text = canonicalJson(value)
    if (!force && this.published.get(id) === text) return
    this.published.set(id, text)
    this.c.store.writeLocal(instanceKey(this.c.store.origin, id), value)
  }

  private scheduleChecksSave(): void {
    if (this.checksDirty !== undefined) return
    this.checksDirty = setTimeout(() => {
      this.checksDirty = undefined
      void this.save().catch((e: unknown) => this.c.logger.error({ err: e }, 'saving check state failed'))
    }, 1000)
    this.checksDirty.unref()
  }

  private async save(): Promise<void> {
    const extra = this.extraState()
    this.state = {
      ...this.state,
      registrations: [...this.held.values()].map((h) => h.stored),
      checks: this.c.checks.snapshot(),
      index: extra.index,
      hlc: extra.hlc,
    }
    await this.c.stateFile.save(this.state)
  }
}
