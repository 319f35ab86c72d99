import Type from 'typebox'

/**
 * A health check as an operator writes it (HTTP API body, service definition file). One schema
 * for every type; `validateCheck` (checks.ts) enforces the fields each type needs and reports
 * every problem with its field name. Durations are Go-style strings ("10s", "500ms", "1m30s")
 * or integer milliseconds, as Consul users write them.
 */
export const CHECK_TYPES = ['http', 'tcp', 'grpc', 'ttl', 'exec'] as const
export type CheckType = (typeof CHECK_TYPES)[number]

export const Duration = Type.Union([
  Type.String({ pattern: '^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$', maxLength: 32 }),
  Type.Integer({ minimum: 0 }),
])
export type Duration = Type.Static<typeof Duration>

export const CheckDefinition = Type.Object(
  {
    /** Unique on this agent; default `<instance id>:<n>` (n from 1). */
    id: Type.Optional(Type.String({ minLength: 1, maxLength: 128, pattern: '^[^\\s/]+$' })),
    name: Type.Optional(Type.String({ maxLength: 256 })),
    type: Type.Union([
      Type.Literal('http'),
      Type.Literal('tcp'),
      Type.Literal('grpc'),
      Type.Literal('ttl'),
      Type.Literal('exec'),
    ]),
    interval: Type.Optional(Duration),
    timeout: Type.Optional(Duration),
    /** http: the URL to request. */
    url: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
    method: Type.Optional(Type.String({ pattern: '^[A-Z]{3,10}$' })),
    headers: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String())])),
    ),
    body: Type.Optional(Type.String({ maxLength: 65536 })),
    tlsSkipVerify: Type.Optional(Type.Boolean()),
    /** tcp and grpc: `host:port`. grpc may add `/service` to check one named service. */
    target: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    grpcUseTls: Type.Optional(Type.Boolean()),
    /** ttl: silence longer than this turns the check critical. */
    ttl: Type.Optional(Duration),
    /** exec: argv, no shell. Only when the agent enables script checks. */
    args: Type.Optional(Type.Array(Type.String({ maxLength: 4096 }), { minItems: 1, maxItems: 64 })),
    initialStatus: Type.Optional(
      Type.Union([Type.Literal('passing'), Type.Literal('warning'), Type.Literal('critical')]),
    ),
    successBeforePassing: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
    failuresBeforeWarning: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
    failuresBeforeCritical: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
    /** Remove the instance once this check has been critical for this long. */
    deregisterCriticalAfter: Type.Optional(Duration),
  },
  { additionalProperties: false },
)
export type CheckDefinition = Type.Static<typeof CheckDefinition>
