import Type from 'typebox'
import { CheckSummary, InstanceValue, ServiceName } from '../../crdt/schema.ts'

/**
 * Answer schemas shared by several routes. Records reuse the CRDT record schema (crdt/schema.ts),
 * so what the API answers and what gossip carries cannot drift apart.
 */

export const ErrorAnswer = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String(),
  error: Type.String(),
  message: Type.String(),
})

export const HealthWord = Type.Union([
  Type.Literal('passing'),
  Type.Literal('warning'),
  Type.Literal('critical'),
  Type.Literal('maintenance'),
])
export const MemberStateWord = Type.Union([
  Type.Literal('alive'),
  Type.Literal('suspect'),
  Type.Literal('unreachable'),
  Type.Literal('left'),
])

/** Where an answer came from: the node that owns the record (name and libp2p peer id). */
export const Origin = Type.Object({ node: Type.String(), peerId: Type.String() })

/** How fresh an answer is: the record's version (HLC `wall.count`) and its age. */
export const Freshness = Type.Object({
  version: Type.String(),
  /** now − the version's wall time, in milliseconds. */
  ageMs: Type.Integer(),
})

const { kind: _kind, health: _health, ...instanceFields } = InstanceValue.properties

/** One instance in an answer. `health` is the effective health (node liveness applied). */
export const InstanceAnswer = Type.Object({
  key: Type.String(),
  ...instanceFields,
  health: HealthWord,
  checks: Type.Array(CheckSummary),
  nodeState: MemberStateWord,
  local: Type.Boolean(),
  origin: Origin,
  freshness: Freshness,
})
export type InstanceAnswer = Type.Static<typeof InstanceAnswer>

export const ServiceNameParams = Type.Object({ name: ServiceName }, { additionalProperties: false })

export const HealthCounts = Type.Object({
  passing: Type.Integer(),
  warning: Type.Integer(),
  critical: Type.Integer(),
  maintenance: Type.Integer(),
})

/** Error answers for the statuses most routes can give. */
export const COMMON_ERRORS = {
  400: ErrorAnswer,
  500: ErrorAnswer,
} as const

export const WRITE_ERRORS = {
  ...COMMON_ERRORS,
  401: ErrorAnswer,
  403: ErrorAnswer,
  413: ErrorAnswer,
  415: ErrorAnswer,
} as const
