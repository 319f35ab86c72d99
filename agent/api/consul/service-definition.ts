import Type from 'typebox'
import { InstanceId, Meta, ServiceName, Tag } from '../../../crdt/schema.ts'
import type { KeySpelling } from './normalize-keys.ts'

/**
 * Consul's service definition (`PUT /v1/agent/service/register`) as this agent accepts it, after
 * its keys are normalized (normalize-keys.ts). Fields Consul has and we do not serve are either
 * ignored (listed in IGNORED_*, documented in docs/consul-compat.md) or refused by name
 * (UNSUPPORTED_*), never silently misread.
 */

/** Go durations ("10s", "1m30s", "500ms") or a number of nanoseconds, as Consul decodes them. */
export const ConsulDuration = Type.Union([
  Type.String({ pattern: '^(0|([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+)$', maxLength: 32 }),
  Type.Integer({ minimum: 0 }),
])
export type ConsulDuration = Type.Static<typeof ConsulDuration>

const CHECK_STATUS = Type.Union([Type.Literal('passing'), Type.Literal('warning'), Type.Literal('critical')])
const Count = Type.Integer({ minimum: 0, maximum: 100 })

export const ConsulCheckDefinition = Type.Object(
  {
    CheckID: Type.Optional(Type.String({ minLength: 1, maxLength: 128, pattern: '^[^\\s/]+$' })),
    Name: Type.Optional(Type.String({ maxLength: 256 })),
    Notes: Type.Optional(Type.String({ maxLength: 1024 })),
    Args: Type.Optional(Type.Array(Type.String({ maxLength: 4096 }), { minItems: 1, maxItems: 64 })),
    HTTP: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
    Header: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String())]), {
        maxProperties: 64,
      }),
    ),
    Method: Type.Optional(Type.String({ pattern: '^[A-Za-z]{3,10}$' })),
    Body: Type.Optional(Type.String({ maxLength: 65536 })),
    TLSSkipVerify: Type.Optional(Type.Boolean()),
    TLSServerName: Type.Optional(Type.String({ maxLength: 255 })),
    DisableRedirects: Type.Optional(Type.Boolean()),
    TCP: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    GRPC: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    GRPCUseTLS: Type.Optional(Type.Boolean()),
    TTL: Type.Optional(ConsulDuration),
    Interval: Type.Optional(ConsulDuration),
    Timeout: Type.Optional(ConsulDuration),
    DeregisterCriticalServiceAfter: Type.Optional(ConsulDuration),
    Status: Type.Optional(CHECK_STATUS),
    SuccessBeforePassing: Type.Optional(Count),
    FailuresBeforeWarning: Type.Optional(Count),
    FailuresBeforeCritical: Type.Optional(Count),
    OutputMaxSize: Type.Optional(Type.Integer({ minimum: 0 })),
    ServiceID: Type.Optional(Type.String({ maxLength: 128 })),
  },
  { additionalProperties: false },
)
export type ConsulCheckDefinition = Type.Static<typeof ConsulCheckDefinition>

export const ConsulWeights = Type.Object(
  {
    Passing: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
    Warning: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
  },
  { additionalProperties: false },
)

export const ConsulServiceDefinition = Type.Object(
  {
    ID: Type.Optional(InstanceId),
    Name: ServiceName,
    Tags: Type.Optional(Type.Array(Tag, { maxItems: 64 })),
    Address: Type.Optional(Type.String({ maxLength: 255 })),
    Port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
    Meta: Type.Optional(Meta),
    Weights: Type.Optional(ConsulWeights),
    EnableTagOverride: Type.Optional(Type.Boolean()),
    Check: Type.Optional(ConsulCheckDefinition),
    Checks: Type.Optional(Type.Array(ConsulCheckDefinition, { maxItems: 32 })),
    Kind: Type.Optional(Type.Literal('')),
    TaggedAddresses: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    Namespace: Type.Optional(Type.Union([Type.Literal(''), Type.Literal('default')])),
    Partition: Type.Optional(Type.Union([Type.Literal(''), Type.Literal('default')])),
    Locality: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: false },
)
export type ConsulServiceDefinition = Type.Static<typeof ConsulServiceDefinition>

/** Consul fields we refuse by name, with what to do instead. */
export const UNSUPPORTED_SERVICE_FIELDS: Readonly<Record<string, string>> = {
  Connect: 'Consul Connect (service mesh) is not supported by Grapevine',
  Proxy: 'Connect proxies are not supported by Grapevine',
  SocketPath: 'unix socket services are not supported; register an address and port',
}

export const UNSUPPORTED_CHECK_FIELDS: Readonly<Record<string, string>> = {
  DockerContainerID:
    'docker checks are not supported; use Args with `docker exec` when script checks are enabled',
  Shell: 'docker checks are not supported',
  Script: 'Script was removed from Consul in 1.1; use Args',
  UDP: 'UDP checks are not supported; use TCP, HTTP, GRPC, TTL or Args',
  H2PING: 'H2PING checks are not supported; use HTTP or GRPC',
  H2PingUseTLS: 'H2PING checks are not supported; use HTTP or GRPC',
  OSService: 'OS service checks are not supported; use Args or TTL',
  AliasNode: 'alias checks are not supported',
  AliasService: 'alias checks are not supported',
  TCPUseTLS: 'TCP checks over TLS are not supported; use an HTTP check with an https:// URL',
}

export const SERVICE_SPELLING: KeySpelling = {
  canonical: [...Object.keys(ConsulServiceDefinition.properties), ...Object.keys(UNSUPPORTED_SERVICE_FIELDS)],
  aliases: { service: 'Name' },
}

export const CHECK_SPELLING: KeySpelling = {
  canonical: [...Object.keys(ConsulCheckDefinition.properties), ...Object.keys(UNSUPPORTED_CHECK_FIELDS)],
  aliases: { id: 'CheckID', scriptargs: 'Args' },
}

export const WEIGHTS_SPELLING: KeySpelling = { canonical: ['Passing', 'Warning'] }
