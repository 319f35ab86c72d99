import type { LocalCheckState } from '../../agent/api/ports.ts'
import type { CheckDefinition } from '../../agent/health/definition.ts'
import type { ChecksPort } from '../../agent/registry/checks-port.ts'
import type { CheckStatus } from '../../crdt/schema.ts'

/** A health engine that runs nothing: tests set statuses by hand and it reports the changes. */
export class FakeChecks implements ChecksPort {
  private readonly defs = new Map<string, readonly CheckDefinition[]>()
  private readonly status = new Map<string, { status: CheckStatus; output: string }>()
  private readonly listeners: Array<(id: string) => void> = []
  private readonly deregListeners: Array<(id: string) => void> = []

  validate(_instanceId: string, defs: readonly CheckDefinition[]): readonly string[] {
    return defs.flatMap((d, i) =>
      d.type === 'http' && d.url === undefined ? [`checks/${i}/url is required for http checks`] : [],
    )
  }

  private ids(instanceId: string): string[] {
    return (this.defs.get(instanceId) ?? []).map((d, i) => d.id ?? `${instanceId}:${i + 1}`)
  }

  set(instanceId: string, defs: readonly CheckDefinition[]): void {
    this.defs.set(instanceId, defs)
    defs.forEach((d, i) => {
      const id = d.id ?? `${instanceId}:${i + 1}`
      if (!this.status.has(id)) this.status.set(id, { status: d.initialStatus ?? 'critical', output: '' })
    })
  }

  remove(instanceId: string): void {
    for (const id of this.ids(instanceId)) this.status.delete(id)
    this.defs.delete(instanceId)
  }

  /** Test hook: a probe result. */
  setStatus(instanceId: string, checkId: string, status: CheckStatus, output = ''): void {
    const prev = this.status.get(checkId)
    this.status.set(checkId, { status, output })
    if (prev?.status !== status) for (const l of this.listeners) l(instanceId)
  }

  report(checkId: string, status: CheckStatus, note?: string): boolean {
    for (const [instanceId, defs] of this.defs) {
      const idx = this.ids(instanceId).indexOf(checkId)
      if (idx >= 0 && defs[idx]?.type === 'ttl') {
        this.setStatus(instanceId, checkId, status, note ?? '')
        return true
      }
    }
    return false
  }

  ttlCheckIds(instanceId: string): readonly string[] {
    const defs = this.defs.get(instanceId) ?? []
    return this.ids(instanceId).filter((_, i) => defs[i]?.type === 'ttl')
  }

  states(instanceId: string): readonly LocalCheckState[] {
    const defs = this.defs.get(instanceId) ?? []
    return this.ids(instanceId).map((id, i) => {
      const s = this.status.get(id) ?? { status: 'critical' as const, output: '' }
      const def = defs[i] as CheckDefinition
      return {
        id,
        name: def.name ?? id,
        type: def.type,
        status: s.status,
        output: s.output,
        since: 0,
        definition: def,
      }
    })
  }

  onChange(listener: (instanceId: string) => void): void {
    this.listeners.push(listener)
  }

  onDeregisterCritical(listener: (instanceId: string) => void): void {
    this.deregListeners.push(listener)
  }

  fireDeregisterCritical(instanceId: string): void {
    for (const l of this.deregListeners) l(instanceId)
  }

  snapshot(): unknown {
    return Object.fromEntries(this.status)
  }

  restore(snapshot: unknown): void {
    for (const [k, v] of Object.entries(snapshot as Record<string, { status: CheckStatus; output: string }>))
      this.status.set(k, v)
  }
}
