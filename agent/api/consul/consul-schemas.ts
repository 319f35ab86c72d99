import Type from 'typebox'

/**
 * Answer schemas of the Consul-compatible routes, in Consul's field names. They shape and
 * serialize the answers (fields not listed here never leak out) and document them; the shapes
 * follow Consul's API docs for the fields service discovery reads.
 */
const StringMap = Type.Record(Type.String(), Type.String())
const Index = Type.Integer({ minimum: 1 })
const Empty = Type.Record(Type.String(), Type.Unknown())

export const ConsulStatusWord = Type.Union([
  Type.Literal('passing'),
  Type.Literal('warning'),
  Type.Literal('critical'),
])
export const AggregatedWord = Type.Union([
  Type.Literal('passing'),
  Type.Literal('warning'),
  Type.Literal('critical'),
  Type.Literal('maintenance'),
])

export const ConsulCheckAnswer = Type.Object({
  Node: Type.String(),
  CheckID: Type.String(),
  Name: Type.String(),
  Status: ConsulStatusWord,
  Notes: Type.String(),
  Output: Type.String(),
  ServiceID: Type.String(),
  ServiceName: Type.String(),
  ServiceTags: Type.Array(Type.String()),
  Type: Type.String(),
  Interval: Type.Optional(Type.String()),
  Timeout: Type.Optional(Type.String()),
  ExposedPort: Type.Integer(),
  Definition: Empty,
  CreateIndex: Index,
  ModifyIndex: Index,
})

export const WeightsAnswer = Type.Object({ Passing: Type.Integer(), Warning: Type.Integer() })

export const NodeAnswer = Type.Object({
  ID: Type.String(),
  Node: Type.String(),
  Address: Type.String(),
  Datacenter: Type.String(),
  TaggedAddresses: StringMap,
  Meta: StringMap,
  CreateIndex: Index,
  ModifyIndex: Index,
})

export const AgentServiceAnswer = Type.Object({
  ID: Type.String(),
  Service: Type.String(),
  Tags: Type.Array(Type.String()),
  Meta: StringMap,
  Port: Type.Integer(),
  Address: Type.String(),
  TaggedAddresses: Empty,
  Weights: WeightsAnswer,
  EnableTagOverride: Type.Boolean(),
  Datacenter: Type.String(),
  ContentHash: Type.Optional(Type.String()),
})

export const NodeServiceAnswer = Type.Object({
  ID: Type.String(),
  Service: Type.String(),
  Tags: Type.Array(Type.String()),
  Address: Type.String(),
  TaggedAddresses: Empty,
  Meta: StringMap,
  Port: Type.Integer(),
  Weights: WeightsAnswer,
  EnableTagOverride: Type.Boolean(),
  Proxy: Empty,
  Connect: Empty,
  CreateIndex: Index,
  ModifyIndex: Index,
})

export const CatalogServiceAnswer = Type.Object({
  ID: Type.String(),
  Node: Type.String(),
  Address: Type.String(),
  Datacenter: Type.String(),
  TaggedAddresses: StringMap,
  NodeMeta: StringMap,
  ServiceKind: Type.String(),
  ServiceID: Type.String(),
  ServiceName: Type.String(),
  ServiceTags: Type.Array(Type.String()),
  ServiceAddress: Type.String(),
  ServiceTaggedAddresses: Empty,
  ServiceWeights: WeightsAnswer,
  ServiceMeta: StringMap,
  ServicePort: Type.Integer(),
  ServiceEnableTagOverride: Type.Boolean(),
  ServiceProxy: Empty,
  ServiceConnect: Empty,
  CreateIndex: Index,
  ModifyIndex: Index,
})

export const HealthEntryAnswer = Type.Object({
  Node: NodeAnswer,
  Service: NodeServiceAnswer,
  Checks: Type.Array(ConsulCheckAnswer),
})

export const CatalogNodeAnswer = Type.Union([
  Type.Object({ Node: NodeAnswer, Services: Type.Record(Type.String(), NodeServiceAnswer) }),
  Type.Null(),
])

export const MemberAnswer = Type.Object({
  Name: Type.String(),
  Addr: Type.String(),
  Port: Type.Integer(),
  Tags: StringMap,
  Status: Type.Integer(),
  ProtocolMin: Type.Integer(),
  ProtocolMax: Type.Integer(),
  ProtocolCur: Type.Integer(),
  DelegateMin: Type.Integer(),
  DelegateMax: Type.Integer(),
  DelegateCur: Type.Integer(),
})

export const ServiceHealthAnswer = Type.Object({
  AggregatedStatus: AggregatedWord,
  Service: AgentServiceAnswer,
  Checks: Type.Array(ConsulCheckAnswer),
})

export const SelfAnswer = Type.Object({
  Config: Type.Object({
    Datacenter: Type.String(),
    PrimaryDatacenter: Type.String(),
    NodeName: Type.String(),
    NodeID: Type.String(),
    Revision: Type.String(),
    Server: Type.Boolean(),
    Version: Type.String(),
    BuildDate: Type.String(),
    Product: Type.String(),
  }),
  DebugConfig: Empty,
  Coord: Type.Object({
    Vec: Type.Array(Type.Number()),
    Error: Type.Number(),
    Adjustment: Type.Number(),
    Height: Type.Number(),
  }),
  Member: MemberAnswer,
  Meta: StringMap,
  Stats: Type.Record(Type.String(), StringMap),
})

export const ServiceTagsAnswer = Type.Record(Type.String(), Type.Array(Type.String()))
export const StringListAnswer = Type.Array(Type.String())
