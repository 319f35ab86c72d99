import { EventEmitter } from 'node:events'
import type { AppliedChange } from '../../crdt/catalog.ts'
import { parseKey } from '../../crdt/keys.ts'
import type { InstanceValue, NodeValue } from '../../crdt/schema.ts'
import {
  type CatalogView,
  createCatalogView,
  effectiveHealth,
  type InstanceView,
  type MemberState,
  type NodeView,
} from '../../crdt/view.ts'
import type { WatchEvent } from '../api/ports.ts'
import type { CatalogChangeEvent, CatalogStore } from './store.ts'

/**
 * Joins the merged catalog with this observer's membership knowledge into the `CatalogView`
 * that DNS and HTTP answer from. The snapshot is rebuilt lazily: at most once per change,
 * never per query. The index grows on every visible change and, because it is
 * `max(previous + 1, now)` and restored from disk, never goes backwards across restarts.
 */

export interface Liveness {
  readonly state: MemberState | 'reaped'
  readonly lastSeen?: number
}

export interface MembershipSource {
  /** What this observer believes about an origin; undefined = no opinion yet (treated as alive). */
  liveness(origin: string): Liveness | undefined
}

export interface LiveViewComponents {
  readonly store: CatalogStore
  readonly membership: MembershipSource
  readonly now: () => number
}

export interface LiveViewInit {
  /** The index restored from the state file (0 on first start). */
  readonly startIndex: number
}

export interface LiveViewEvents {
  watch: [WatchEvent]
  index: [number]
}

export class LiveView extends EventEmitter<LiveViewEvents> {
  private readonly c: LiveViewComponents
  private current = 0
  private snapshot: CatalogView | undefined
  private readonly onChange = (event: CatalogChangeEvent): void => this.applyChanges(event.changes)

  constructor(components: LiveViewComponents, init: LiveViewInit) {
    super()
    this.setMaxListeners(0)
    this.c = components
    this.current = Math.max(1, init.startIndex)
  }

  start(): void {
    this.c.store.off('change', this.onChange)
    this.c.store.on('change', this.onChange)
  }

  stop(): void {
    this.c.store.off('change', this.onChange)
  }

  get index(): number {
    return this.current
  }

  /** Mark the view stale and move the index on. */
  bump(): number {
    this.current = Math.max(this.current + 1, this.c.now())
    this.snapshot = undefined
    this.emit('index', this.current)
    return this.current
  }

  /** Membership changed (called by the agent on `member:change`). */
  memberChanged(
    origin: string,
    state: MemberState | 'reaped',
    previous: MemberState | 'reaped' | undefined,
  ): void {
    // Membership has already changed when it tells us. The cached snapshot (if any) still holds
    // the answers as they were; without one, rebuild them with this origin's previous state —
    // reading the live source here would see no difference and send no per-instance events.
    const was: Liveness | undefined = previous === undefined ? undefined : { state: previous }
    const before =
      this.snapshot !== undefined
        ? this.instancesOfOrigin(origin)
        : this.instancesIn(
            this.build((o) => (o === origin ? was : this.c.membership.liveness(o))),
            origin,
          )
    const index = this.bump()
    const node = this.c.store.get(`node/${origin}`)?.value
    const name = node?.kind === 'node' ? node.name : origin
    const type: WatchEvent['type'] =
      state === 'alive' && (previous === undefined || previous === 'reaped' || previous === 'left')
        ? 'member-joined'
        : state === 'left' || state === 'reaped'
          ? 'member-left'
          : 'member-changed'
    this.emit('watch', {
      type,
      node: name,
      origin,
      state: state === 'reaped' ? 'left' : state,
      index,
    } as WatchEvent)
    this.emitInstanceDiff(origin, before, index)
  }

  /** The instances of one origin as answers show them now. */
  private instancesOfOrigin(origin: string): Map<string, InstanceView> {
    return this.instancesIn(this.view(), origin)
  }

  private instancesIn(view: CatalogView, origin: string): Map<string, InstanceView> {
    const out = new Map<string, InstanceView>()
    for (const iv of view.instances()) if (iv.origin === origin) out.set(iv.key, iv)
    return out
  }

  /**
   * A node's liveness or its node record changes the health answers give for all of its
   * instances without any instance record changing: tell watchers per instance, as if it had.
   */
  private emitInstanceDiff(origin: string, before: Map<string, InstanceView>, index: number): void {
    const after = this.instancesOfOrigin(origin)
    for (const [key, iv] of after) {
      const old = before.get(key)
      const service = iv.instance.service
      if (old === undefined)
        this.emit('watch', { type: 'registered', service, instanceKey: key, health: iv.health, index })
      else if (old.health !== iv.health)
        this.emit('watch', { type: 'health-changed', service, instanceKey: key, health: iv.health, index })
    }
    for (const [key, old] of before) {
      if (!after.has(key))
        this.emit('watch', { type: 'removed', service: old.instance.service, instanceKey: key, index })
    }
  }

  private applyChanges(changes: readonly AppliedChange[]): void {
    const nodeOrigins = [
      ...new Set(
        changes.filter((c) => parseKey(c.current.key)?.kind === 'node').map((c) => c.current.origin),
      ),
    ]
    const before = new Map(nodeOrigins.map((o) => [o, this.instancesOfOrigin(o)]))
    const index = this.bump()
    for (const { previous, current } of changes) {
      const parsed = parseKey(current.key)
      if (parsed?.kind !== 'inst') continue
      if (nodeOrigins.includes(current.origin)) continue
      const before = previous?.value?.kind === 'instance' ? previous.value : undefined
      const after = current.value?.kind === 'instance' ? current.value : undefined
      const service = (after ?? before)?.service
      if (service === undefined) continue
      let type: 'registered' | 'updated' | 'removed' | 'health-changed'
      if (before === undefined && after !== undefined) type = 'registered'
      else if (after === undefined) type = 'removed'
      else if (before !== undefined && before.health !== after.health) type = 'health-changed'
      else type = 'updated'
      const event: WatchEvent =
        after === undefined
          ? { type, service, instanceKey: current.key, index }
          : { type, service, instanceKey: current.key, health: after.health, index }
      this.emit('watch', event)
    }
    for (const origin of nodeOrigins) this.emitInstanceDiff(origin, before.get(origin) ?? new Map(), index)
  }

  /** The current snapshot (rebuilt only after a change). */
  view(): CatalogView {
    if (this.snapshot !== undefined) return this.snapshot
    this.snapshot = this.build((origin) => this.c.membership.liveness(origin))
    return this.snapshot
  }

  /** The view as answers would show it with `liveness` as this observer's membership. */
  private build(liveness: (origin: string) => Liveness | undefined): CatalogView {
    const nodes: NodeView[] = []
    const nodeInfo = new Map<string, { state: MemberState; maintenance: boolean }>()
    const reaped = new Set<string>()
    const instances: InstanceView[] = []
    const pending: Array<{ key: string; origin: string; hlc: InstanceView['hlc']; value: InstanceValue }> = []
    for (const entry of this.c.store.entries()) {
      if (entry.value === null) continue
      if (entry.value.kind === 'node') {
        const v: NodeValue = entry.value
        const live = liveness(entry.origin)
        if (live?.state === 'reaped') {
          reaped.add(entry.origin)
          continue
        }
        const state: MemberState = v.status === 'left' ? 'left' : (live?.state ?? 'alive')
        nodeInfo.set(entry.origin, { state, maintenance: v.maintenance })
        nodes.push({
          origin: entry.origin,
          name: v.name,
          addresses: v.addresses,
          multiaddrs: v.multiaddrs,
          meta: v.meta,
          maintenance: v.maintenance,
          agentVersion: v.agentVersion,
          state,
          hlc: entry.hlc,
        })
      } else {
        pending.push({ key: entry.key, origin: entry.origin, hlc: entry.hlc, value: entry.value })
      }
    }
    for (const p of pending) {
      if (reaped.has(p.origin)) continue
      const info = nodeInfo.get(p.origin)
      let node = info
      if (node === undefined) {
        const live = liveness(p.origin)
        if (live?.state === 'reaped') continue
        node = live === undefined ? undefined : { state: live.state, maintenance: false }
      }
      const health = effectiveHealth(p.value.health, node)
      if (health === undefined) continue
      instances.push({
        key: p.key,
        origin: p.origin,
        hlc: p.hlc,
        instance: p.value,
        health,
        nodeState: node?.state ?? 'alive',
      })
    }
    return createCatalogView({
      index: this.current,
      localOrigin: this.c.store.origin,
      instances,
      nodes,
    })
  }

  /** Resolve once the index exceeds `index`, or after `timeoutMs`, or on abort; with the index then. */
  waitForIndex(index: number, timeoutMs: number, signal?: AbortSignal): Promise<number> {
    if (this.current > index || timeoutMs <= 0 || signal?.aborted === true)
      return Promise.resolve(this.current)
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        this.off('index', onIndex)
        signal?.removeEventListener('abort', done)
        resolve(this.current)
      }
      const onIndex = (i: number): void => {
        if (i > index) done()
      }
      const timer = setTimeout(done, timeoutMs)
      this.on('index', onIndex)
      signal?.addEventListener('abort', done, { once: true })
    })
  }
}
