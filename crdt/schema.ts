import Type from 'typebox'

/**
 * The record schemas: one definition gives the TypeScript types, the gossip validation and the
 * HTTP API's JSON Schema, so the wire and the API can never disagree (STYLE.md §4).
 */

export const HEALTH_STATES = ['passing', 'warning', 'critical', 'maintenance'] as const
export type Health = (typeof HEALTH_STATES)[number]

export const CHECK_STATUSES = ['passing', 'warning', 'critical'] as const
export type CheckStatus = (typeof CHECK_STATUSES)[number]

/** A DNS-compatible service name: letters, digits, `-` and `_`, starting and ending alphanumeric. */
export const SERVICE_NAME_PATTERN = '^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?$'
/** A node name: a DNS label. */
export const NODE_NAME_PATTERN = '^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$'
/** An instance id: no whitespace, no `/`, at most 128 characters. */
export const INSTANCE_ID_PATTERN = '^[^\\s/]{1,128}$'
/** A libp2p peer id in its base58btc string form. */
export const PEER_ID_PATTERN = '^[1-9A-HJ-NP-Za-km-z]{10,128}$'
export const META_KEY_PATTERN = '^[A-Za-z0-9_.-]{1,128}$'

export const ServiceName = Type.String({ pattern: SERVICE_NAME_PATTERN, maxLength: 63 })
export const NodeName = Type.String({ pattern: NODE_NAME_PATTERN, maxLength: 63 })
export const InstanceId = Type.String({ pattern: INSTANCE_ID_PATTERN, maxLength: 128 })
export const Tag = Type.String({ minLength: 1, maxLength: 256 })
/** Metadata: at most 64 keys of letters, digits, `_`, `.`, `-`; no other key is accepted. */
export const Meta = Type.Record(Type.String({ pattern: META_KEY_PATTERN }), Type.String({ maxLength: 512 }), {
  maxProperties: 64,
  additionalProperties: false,
})

export const CheckSummary = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 128 }),
    name: Type.String({ maxLength: 256 }),
    type: Type.String({ pattern: '^[a-z]{1,16}$' }),
    status: Type.Union([Type.Literal('passing'), Type.Literal('warning'), Type.Literal('critical')]),
    output: Type.String({ maxLength: 1024 }),
  },
  { additionalProperties: false },
)
export type CheckSummary = Type.Static<typeof CheckSummary>

export const InstanceValue = Type.Object(
  {
    kind: Type.Literal('instance'),
    id: InstanceId,
    service: ServiceName,
    node: NodeName,
    address: Type.String({ minLength: 1, maxLength: 255 }),
    port: Type.Integer({ minimum: 0, maximum: 65535 }),
    protocol: Type.String({ pattern: '^[a-z0-9-]{1,16}$' }),
    tags: Type.Array(Tag, { maxItems: 64 }),
    meta: Meta,
    weight: Type.Integer({ minimum: 0, maximum: 65535 }),
    version: Type.String({ maxLength: 64 }),
    health: Type.Union([
      Type.Literal('passing'),
      Type.Literal('warning'),
      Type.Literal('critical'),
      Type.Literal('maintenance'),
    ]),
    checks: Type.Array(CheckSummary, { maxItems: 32 }),
  },
  { additionalProperties: false },
)
export type InstanceValue = Type.Static<typeof InstanceValue>

export const NODE_STATUSES = ['alive', 'left'] as const
export type NodeStatus = (typeof NODE_STATUSES)[number]

export const NodeValue = Type.Object(
  {
    kind: Type.Literal('node'),
    name: NodeName,
    addresses: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 16 }),
    multiaddrs: Type.Array(Type.String({ minLength: 1, maxLength: 512 }), { maxItems: 16 }),
    meta: Meta,
    maintenance: Type.Boolean(),
    status: Type.Union([Type.Literal('alive'), Type.Literal('left')]),
    agentVersion: Type.String({ maxLength: 64 }),
  },
  { additionalProperties: false },
)
export type NodeValue = Type.Static<typeof NodeValue>

export const RecordValue = Type.Union([InstanceValue, NodeValue])
export type RecordValue = InstanceValue | NodeValue
