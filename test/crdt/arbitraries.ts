/**
 * fast-check arbitraries for CRDT values, built from the schema constraints in crdt/schema.ts
 * and crdt/wire.ts (patterns, lengths, ranges), so anything generated here is a valid record.
 * Collection sizes stay below the schema limits to keep runs fast; string and number ranges go
 * to the limits.
 */
import fc from 'fast-check'
import type { OriginDigest } from '../../crdt/catalog.ts'
import type { Entry } from '../../crdt/entry.ts'
import { HLC_MAX_COUNT, type Hlc } from '../../crdt/hlc.ts'
import { instanceKey, nodeKey } from '../../crdt/keys.ts'
import {
  CHECK_STATUSES,
  type CheckSummary,
  HEALTH_STATES,
  INSTANCE_ID_PATTERN,
  type InstanceValue,
  META_KEY_PATTERN,
  NODE_NAME_PATTERN,
  NODE_STATUSES,
  type NodeValue,
  PEER_ID_PATTERN,
  SERVICE_NAME_PATTERN,
} from '../../crdt/schema.ts'
import { bytesToBase64 } from '../../crdt/signing.ts'
import type { Frame } from '../../crdt/wire.ts'

/** Records as plain objects (fast-check makes null-prototype ones by default; JSON gives plain ones). */
const rec = <T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> =>
  fc.record(model, { noNullPrototype: true })

/** Any string of code points (surrogate pairs included), by length in UTF-16 units. */
const text = (minLength: number, maxLength: number) => fc.string({ unit: 'binary', minLength, maxLength })

export const peerIdArb = fc.stringMatching(new RegExp(PEER_ID_PATTERN))
export const instanceIdArb = fc.stringMatching(new RegExp(INSTANCE_ID_PATTERN))
export const serviceNameArb = fc.stringMatching(new RegExp(SERVICE_NAME_PATTERN))
export const nodeNameArb = fc.stringMatching(new RegExp(NODE_NAME_PATTERN))

const metaArb = fc.dictionary(fc.stringMatching(new RegExp(META_KEY_PATTERN)), text(0, 512), {
  maxKeys: 4,
  noNullPrototype: true,
})

const checkArb: fc.Arbitrary<CheckSummary> = rec({
  id: text(1, 128),
  name: text(0, 256),
  type: fc.stringMatching(/^[a-z]{1,16}$/),
  status: fc.constantFrom(...CHECK_STATUSES),
  output: text(0, 1024),
})

export function instanceValueArb(id: fc.Arbitrary<string> = instanceIdArb): fc.Arbitrary<InstanceValue> {
  return rec({
    kind: fc.constant('instance' as const),
    id,
    service: serviceNameArb,
    node: nodeNameArb,
    address: text(1, 255),
    port: fc.integer({ min: 0, max: 65535 }),
    protocol: fc.stringMatching(/^[a-z0-9-]{1,16}$/),
    tags: fc.array(text(1, 256), { maxLength: 4 }),
    meta: metaArb,
    weight: fc.integer({ min: 0, max: 65535 }),
    version: text(0, 64),
    health: fc.constantFrom(...HEALTH_STATES),
    checks: fc.array(checkArb, { maxLength: 2 }),
  })
}

export const nodeValueArb: fc.Arbitrary<NodeValue> = rec({
  kind: fc.constant('node' as const),
  name: nodeNameArb,
  addresses: fc.array(text(1, 64), { maxLength: 3 }),
  multiaddrs: fc.array(text(1, 512), { maxLength: 3 }),
  meta: metaArb,
  maintenance: fc.boolean(),
  status: fc.constantFrom(...NODE_STATUSES),
  agentVersion: text(0, 64),
})

export const hlcArb: fc.Arbitrary<Hlc> = rec({
  wall: fc.oneof(fc.integer({ min: 0, max: 2 ** 42 }), fc.maxSafeNat()),
  count: fc.integer({ min: 0, max: HLC_MAX_COUNT }),
})

/** A base64 signature of 1..96 random bytes (wire limit: 256 characters). */
export const sigArb = fc.uint8Array({ minLength: 1, maxLength: 96 }).map(bytesToBase64)

/** Any valid entry: an instance, a node record or a tombstone of either, signed or not. */
export const entryArb: fc.Arbitrary<Entry> = fc
  .tuple(
    peerIdArb,
    hlcArb,
    fc.option(sigArb, { nil: undefined }),
    fc.oneof(
      instanceValueArb().map((v) => ({
        key: (o: string) => instanceKey(o, v.id),
        value: v as InstanceValue | NodeValue | null,
      })),
      instanceIdArb.map((id) => ({ key: (o: string) => instanceKey(o, id), value: null })),
      nodeValueArb.map((v) => ({ key: nodeKey, value: v as InstanceValue | NodeValue | null })),
      fc.constant({ key: nodeKey, value: null }),
    ),
  )
  .map(([origin, hlc, sig, { key, value }]) => {
    const base: Entry = { key: key(origin), origin, hlc, value }
    return sig === undefined ? base : { ...base, sig }
  })

const originDigestArb: fc.Arbitrary<OriginDigest> = rec({
  max: hlcArb,
  count: fc.maxSafeNat(),
  sum: fc.stringMatching(/^[0-9a-f]{16}$/),
})

/** Every frame kind, with arbitrary valid contents. */
export const frameArb: fc.Arbitrary<Frame> = fc.oneof(
  rec({
    v: fc.constant(1 as const),
    kind: fc.constant('delta' as const),
    entries: fc.array(entryArb, { maxLength: 4 }),
  }),
  rec({
    v: fc.constant(1 as const),
    kind: fc.constant('entries' as const),
    entries: fc.array(entryArb, { maxLength: 4 }),
  }),
  rec({
    v: fc.constant(1 as const),
    kind: fc.constant('digest' as const),
    digest: fc
      .uniqueArray(fc.tuple(peerIdArb, originDigestArb), { maxLength: 5, selector: ([o]) => o })
      .map((pairs) => new Map(pairs)),
  }),
  fc.constant({ v: 1 as const, kind: 'end' as const }),
  rec({
    v: fc.constant(1 as const),
    kind: fc.constant('heartbeat' as const),
    incarnation: fc.maxSafeNat(),
    seq: fc.maxSafeNat(),
  }),
)
