import type { Registry as MetricsRegistry } from 'prom-client'
import Type from 'typebox'
import type { CheckStatus, Health, InstanceValue } from '../../crdt/schema.ts'
import { InstanceId, Meta, ServiceName, Tag } from '../../crdt/schema.ts'
import type { CatalogView, MemberState } from '../../crdt/view.ts'
import { CheckDefinition } from '../health/definition.ts'

/**
 * What the HTTP API (native and Consul-compatible) needs from the agent. The API is built
 * against these ports only, so tests hand it fakes and `agent/agent.ts` hands it the real parts.
 */

/** A registration as a client sends it (POST /v1/instances, service definition files). */
export const RegistrationInput = Type.Object(
  {
    id: Type.Optional(InstanceId),
    service: ServiceName,
    /** Default: the agent's advertised address. */
    address: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    port: Type.Integer({ minimum: 0, maximum: 65535 }),
    protocol: Type.Optional(Type.String({ pattern: '^[a-z0-9-]{1,16}$' })),
    tags: Type.Optional(Type.Array(Tag, { maxItems: 64 })),
    meta: Type.Optional(Meta),
    weight: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
    version: Type.Optional(Type.String({ maxLength: 64 })),
    checks: Type.Optional(Type.Array(CheckDefinition, { maxItems: 32 })),
    maintenance: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)
export type RegistrationInput = Type.Static<typeof RegistrationInput>

/** A check as the local agent runs it. */
export interface LocalCheckState {
  readonly id: string
  readonly name: string
  readonly type: string
  readonly status: CheckStatus
  readonly output: string
  /** ms since the epoch of the last status change. */
  readonly since: number
  readonly definition: CheckDefinition
}

/** An instance registered on this host, with what the agent knows locally. */
export interface LocalInstance {
  readonly id: string
  readonly value: InstanceValue
  readonly checks: readonly LocalCheckState[]
  readonly maintenance: boolean
  readonly maintenanceReason?: string
  readonly source: 'api' | 'file'
}

export interface RegisterResult {
  readonly id: string
  readonly created: boolean
}

export interface RegistryPort {
  /** Register or replace. Throws `GrapevineError` (code `VALIDATION`, `SCRIPT_CHECKS_DISABLED`, ...). */
  register(input: RegistrationInput, opts?: { readonly id?: string }): Promise<RegisterResult>
  /** False when no such instance. */
  deregister(id: string): Promise<boolean>
  get(id: string): LocalInstance | undefined
  list(): readonly LocalInstance[]
  /** TTL-style report for a check (by check id) or for the instance's TTL check (by instance id). */
  reportTtl(id: string, status: CheckStatus, note?: string): Promise<void>
  setMaintenance(instanceId: string, enable: boolean, reason?: string): Promise<void>
  setNodeMaintenance(enable: boolean, reason?: string): Promise<void>
  nodeMaintenance(): boolean
}

export interface MemberInfo {
  readonly origin: string
  readonly name: string
  readonly addresses: readonly string[]
  readonly multiaddrs: readonly string[]
  readonly state: MemberState
  /** ms since the epoch we last heard from it (heartbeat or record), if ever. */
  readonly lastSeen?: number
  readonly agentVersion: string
  readonly meta: Readonly<Record<string, string>>
}

export interface AgentInfo {
  readonly nodeName: string
  readonly peerId: string
  readonly datacenter: string
  readonly version: string
  readonly listen: readonly string[]
  readonly http: string
  readonly dns: string
  readonly domain: string
  readonly startedAt: number
  /** Config summary with secrets removed. */
  readonly config: Readonly<Record<string, unknown>>
}

export type WatchEvent =
  | {
      readonly type: 'registered' | 'updated' | 'removed' | 'health-changed'
      readonly service: string
      readonly instanceKey: string
      readonly health?: Health
      readonly index: number
    }
  | {
      readonly type: 'member-joined' | 'member-left' | 'member-changed'
      readonly node: string
      readonly origin: string
      readonly state: MemberState
      readonly index: number
    }

export interface ApiPorts {
  view(): CatalogView
  /** Resolves with the view index once it exceeds `index`, or with the current index after `timeoutMs` or on abort. */
  waitForIndex(index: number, timeoutMs: number, signal?: AbortSignal): Promise<number>
  readonly registry: RegistryPort
  members(): readonly MemberInfo[]
  agentInfo(): AgentInfo
  /** Subscribe to change events; returns the unsubscribe function. */
  subscribe(listener: (event: WatchEvent) => void): () => void
  readiness(): { readonly ready: boolean; readonly reasons: readonly string[] }
  readonly metrics: MetricsRegistry
  now(): number
  /** Reload service definition files (SIGHUP does the same). */
  reload(): Promise<{ readonly loaded: number; readonly errors: readonly string[] }>
}
