import Type from 'typebox'
import { Compile } from 'typebox/compile'
import type { Digest, OriginDigest } from './catalog.ts'
import { type Entry, type EntryWire, entryFromWire, entryToWire } from './entry.ts'
import { HLC_MAX_COUNT, isValidHlc } from './hlc.ts'
import { isOwnedKey } from './keys.ts'
import { err, ok, type Result } from './result.ts'
import { InstanceValue, NodeValue, PEER_ID_PATTERN } from './schema.ts'

/**
 * The wire format, version 1. Every frame is one UTF-8 JSON object `{ v, kind, ... }`.
 * Append-only: a new kind or field gets added, never repurposed; a frame with a newer `v` or an
 * unknown `kind` decodes to a typed error the caller can choose to ignore (a newer peer) rather
 * than punish. Decoding is total: any bytes give a frame or a `WireError`, never a throw.
 */
export const WIRE_VERSION = 1

export const DEFAULT_MAX_FRAME_BYTES = 1 << 20

export interface DeltaFrame {
  readonly v: 1
  readonly kind: 'delta'
  readonly entries: readonly Entry[]
}
export interface DigestFrame {
  readonly v: 1
  readonly kind: 'digest'
  readonly digest: Digest
}
export interface EntriesFrame {
  readonly v: 1
  readonly kind: 'entries'
  readonly entries: readonly Entry[]
}
export interface EndFrame {
  readonly v: 1
  readonly kind: 'end'
}
/**
 * Liveness: a node's periodic "still here". `incarnation` grows each start; `seq` each beat.
 * `every` (ms) is the sender's current beat period, which grows with the fleet (a fixed budget of
 * heartbeats per second per observer); observers scale the silence they tolerate by it. Absent:
 * the observer's own configured period.
 */
export interface HeartbeatFrame {
  readonly v: 1
  readonly kind: 'heartbeat'
  readonly incarnation: number
  readonly seq: number
  readonly every?: number
}
/**
 * An accusation: the sender could not reach `origin` (incarnation `incarnation`) directly. Not a
 * verdict: every observer that hears it probes `origin` itself, and `origin`, if alive, refutes
 * by beating at once (SWIM's suspicion dissemination, without anyone writing another's record).
 */
export interface SuspectFrame {
  readonly v: 1
  readonly kind: 'suspect'
  readonly origin: string
  readonly incarnation: number
}
export type Frame = DeltaFrame | DigestFrame | EntriesFrame | EndFrame | HeartbeatFrame | SuspectFrame
export type FrameKind = Frame['kind']

export type WireError =
  | { readonly type: 'too-large'; readonly size: number; readonly max: number }
  | { readonly type: 'not-json'; readonly detail: string }
  | { readonly type: 'unsupported-version'; readonly version: unknown }
  | { readonly type: 'unknown-kind'; readonly kind: unknown }
  | { readonly type: 'invalid'; readonly kind: string; readonly path: string; readonly detail: string }
  | { readonly type: 'not-owned'; readonly key: string; readonly origin: string }

/** Counters on the wire are safe integers, so every decoded number compares and adds exactly. */
const Counter = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })
/** An HLC on the wire: `[wall, count]`, both in range (see `isValidHlc`). */
const WireHlc = Type.Tuple([Counter, Type.Integer({ minimum: 0, maximum: HLC_MAX_COUNT })])

const EntryWireSchema = Type.Object(
  {
    key: Type.String({ minLength: 1, maxLength: 400 }),
    origin: Type.String({ pattern: PEER_ID_PATTERN }),
    hlc: WireHlc,
    value: Type.Union([InstanceValue, NodeValue, Type.Null()]),
    sig: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9+/=_-]{1,256}$' })),
  },
  { additionalProperties: false },
)

const MAX_ENTRIES_PER_FRAME = 20_000

const EntriesBody = Type.Object(
  {
    v: Type.Literal(1),
    kind: Type.String(),
    entries: Type.Array(EntryWireSchema, { maxItems: MAX_ENTRIES_PER_FRAME }),
  },
  { additionalProperties: false },
)
const MAX_DIGEST_ORIGINS = 100_000

const OriginLine = Type.Object(
  {
    origin: Type.String({ pattern: PEER_ID_PATTERN }),
    max: WireHlc,
    count: Counter,
    sum: Type.String({ pattern: '^[0-9a-f]{16}$' }),
  },
  { additionalProperties: false },
)
const DigestBody = Type.Object(
  {
    v: Type.Literal(1),
    kind: Type.Literal('digest'),
    origins: Type.Array(OriginLine, { maxItems: MAX_DIGEST_ORIGINS }),
  },
  { additionalProperties: false },
)
const EndBody = Type.Object(
  { v: Type.Literal(1), kind: Type.Literal('end') },
  { additionalProperties: false },
)
const HeartbeatBody = Type.Object(
  {
    v: Type.Literal(1),
    kind: Type.Literal('heartbeat'),
    incarnation: Counter,
    seq: Counter,
    every: Type.Optional(Type.Integer({ minimum: 1, maximum: 3_600_000 })),
  },
  { additionalProperties: false },
)
const SuspectBody = Type.Object(
  {
    v: Type.Literal(1),
    kind: Type.Literal('suspect'),
    origin: Type.String({ pattern: PEER_ID_PATTERN, maxLength: 128 }),
    incarnation: Counter,
  },
  { additionalProperties: false },
)

const checkEntry = Compile(EntryWireSchema)
const checkOriginLine = Compile(OriginLine)
const checkEntries = Compile(EntriesBody)
const checkDigest = Compile(DigestBody)
const checkEnd = Compile(EndBody)
const checkHeartbeat = Compile(HeartbeatBody)
const checkSuspect = Compile(SuspectBody)

const encoder = new TextEncoder()

function digestToWire(
  digest: Digest,
): Array<{ origin: string; max: [number, number]; count: number; sum: string }> {
  return [...digest].map(([origin, d]) => ({
    origin,
    max: [d.max.wall, d.max.count],
    count: d.count,
    sum: d.sum,
  }))
}

export function encodeFrame(frame: Frame): Uint8Array {
  switch (frame.kind) {
    case 'delta':
    case 'entries':
      return encoder.encode(
        JSON.stringify({ v: 1, kind: frame.kind, entries: frame.entries.map(entryToWire) }),
      )
    case 'digest':
      return encoder.encode(JSON.stringify({ v: 1, kind: 'digest', origins: digestToWire(frame.digest) }))
    case 'end':
      return encoder.encode('{"v":1,"kind":"end"}')
    case 'heartbeat':
      return encoder.encode(
        JSON.stringify({
          v: 1,
          kind: 'heartbeat',
          incarnation: frame.incarnation,
          seq: frame.seq,
          ...(frame.every === undefined ? {} : { every: frame.every }),
        }),
      )
    case 'suspect':
      return encoder.encode(
        JSON.stringify({ v: 1, kind: 'suspect', origin: frame.origin, incarnation: frame.incarnation }),
      )
  }
}

interface Validator {
  Check(value: unknown): boolean
  Errors(value: unknown): Iterable<{ instancePath: string; message: string }>
}

/** The fields each envelope may have. */
const FIELDS: Readonly<Record<FrameKind, readonly string[]>> = {
  delta: ['v', 'kind', 'entries'],
  entries: ['v', 'kind', 'entries'],
  digest: ['v', 'kind', 'origins'],
  end: ['v', 'kind'],
  heartbeat: ['v', 'kind', 'incarnation', 'seq', 'every'],
  suspect: ['v', 'kind', 'origin', 'incarnation'],
}
/** Fields an envelope may leave out. */
const OPTIONAL: ReadonlySet<string> = new Set(['heartbeat.every'])

/** A JSON Pointer segment, shortened (a hostile property name can be a megabyte long). */
function pointer(key: string | number): string {
  const s = String(key).replaceAll('~', '~0').replaceAll('/', '~1')
  return `/${s.length > 64 ? `${s.slice(0, 61)}...` : s}`
}

/** The envelope's own fields, checked by hand: cheap even for a frame with 100,000 extra fields. */
function envelopeError(raw: Record<string, unknown>, kind: FrameKind): WireError | undefined {
  const allowed = FIELDS[kind]
  for (const k in raw) {
    if (Object.hasOwn(raw, k) && !allowed.includes(k)) {
      return { type: 'invalid', kind, path: pointer(k), detail: 'unexpected property' }
    }
  }
  for (const k of allowed) {
    if (!Object.hasOwn(raw, k) && !OPTIONAL.has(`${kind}.${k}`))
      return { type: 'invalid', kind, path: '/', detail: `must have property ${k}` }
  }
  return undefined
}

/** True when `value` holds at most `budget` values in all. Stops early; never recurses. */
function isSmall(value: unknown, budget = 2_000): boolean {
  const stack: unknown[] = [value]
  let left = budget
  while (stack.length > 0) {
    const v = stack.pop()
    if (--left < 0) return false
    if (v === null || typeof v !== 'object') continue
    const children = Array.isArray(v) ? v : Object.values(v)
    if (children.length > left) return false
    for (const c of children) stack.push(c)
  }
  return true
}

/**
 * The first schema error in `value`, with its path under `prefix`. TypeBox's `Errors` walks the
 * whole value eagerly (about a second for a hostile megabyte), so it only runs on small values;
 * for a large one the answer names the place but not the detail.
 */
function firstError(validator: Validator, value: unknown, kind: string, prefix = ''): WireError {
  if (isSmall(value)) {
    for (const e of validator.Errors(value)) {
      return { type: 'invalid', kind, path: prefix + e.instancePath || '/', detail: e.message }
    }
  }
  return { type: 'invalid', kind, path: prefix || '/', detail: 'does not match the schema' }
}

/** Why a list frame failed: its list is not a bounded array, or its first bad item. */
function listError(
  raw: Record<string, unknown>,
  kind: FrameKind,
  field: 'entries' | 'origins',
  item: Validator,
  maxItems: number,
): WireError {
  const list = raw[field]
  if (!Array.isArray(list)) return { type: 'invalid', kind, path: pointer(field), detail: 'must be an array' }
  if (list.length > maxItems) {
    return { type: 'invalid', kind, path: pointer(field), detail: `must have at most ${maxItems} items` }
  }
  for (let i = 0; i < list.length; i++) {
    if (!item.Check(list[i])) return firstError(item, list[i], kind, `${pointer(field)}/${i}`)
  }
  return { type: 'invalid', kind, path: '/', detail: 'does not match the schema' }
}

function decodeEntries(raw: unknown, kind: 'delta' | 'entries'): Result<Frame, WireError> {
  if (!checkEntries.Check(raw)) {
    return err(listError(raw as Record<string, unknown>, kind, 'entries', checkEntry, MAX_ENTRIES_PER_FRAME))
  }
  const wires = (raw as { entries: EntryWire[] }).entries
  const entries: Entry[] = []
  for (const wire of wires) {
    if (!isValidHlc({ wall: wire.hlc[0], count: wire.hlc[1] })) {
      return err({ type: 'invalid', kind, path: '/entries/hlc', detail: 'timestamp out of range' })
    }
    if (!isOwnedKey(wire.key, wire.origin, wire.value)) {
      return err({ type: 'not-owned', key: wire.key, origin: wire.origin })
    }
    entries.push(entryFromWire(wire))
  }
  return ok({ v: 1, kind, entries })
}

/**
 * What an error may repeat of the sender's input: a number, boolean or null as it came, anything
 * else as a short string. A hostile frame's 400,000-deep array must not reach a logger.
 */
function echo(value: unknown): unknown {
  if (value === null || typeof value === 'number' || typeof value === 'boolean' || value === undefined)
    return value
  return printable(value)
}

/** Decode one frame. Total: never throws, whatever the bytes. */
export function decodeFrame(
  bytes: Uint8Array,
  maxBytes: number = DEFAULT_MAX_FRAME_BYTES,
): Result<Frame, WireError> {
  if (bytes.byteLength > maxBytes) return err({ type: 'too-large', size: bytes.byteLength, max: maxBytes })
  let raw: unknown
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch (e) {
    return err({ type: 'not-json', detail: e instanceof Error ? e.message : String(e) })
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return err({ type: 'not-json', detail: 'a frame is a JSON object' })
  }
  const envelope = raw as { v?: unknown; kind?: unknown }
  if (envelope.v !== WIRE_VERSION) return err({ type: 'unsupported-version', version: echo(envelope.v) })
  if (typeof envelope.kind === 'string' && Object.hasOwn(FIELDS, envelope.kind)) {
    const bad = envelopeError(raw as Record<string, unknown>, envelope.kind as FrameKind)
    if (bad !== undefined) return err(bad)
  }
  switch (envelope.kind) {
    case 'delta':
    case 'entries':
      return decodeEntries(raw, envelope.kind)
    case 'digest': {
      if (!checkDigest.Check(raw)) {
        return err(
          listError(raw as Record<string, unknown>, 'digest', 'origins', checkOriginLine, MAX_DIGEST_ORIGINS),
        )
      }
      const digest = new Map<string, OriginDigest>()
      for (const o of (raw as { origins: ReturnType<typeof digestToWire> }).origins) {
        digest.set(o.origin, { max: { wall: o.max[0], count: o.max[1] }, count: o.count, sum: o.sum })
      }
      return ok({ v: 1, kind: 'digest', digest })
    }
    case 'end':
      return checkEnd.Check(raw) ? ok({ v: 1, kind: 'end' }) : err(firstError(checkEnd, raw, 'end'))
    case 'heartbeat': {
      if (!checkHeartbeat.Check(raw)) return err(firstError(checkHeartbeat, raw, 'heartbeat'))
      const hb = raw as { incarnation: number; seq: number; every?: number }
      return ok({
        v: 1,
        kind: 'heartbeat',
        incarnation: hb.incarnation,
        seq: hb.seq,
        ...(hb.every === undefined ? {} : { every: hb.every }),
      })
    }
    case 'suspect': {
      if (!checkSuspect.Check(raw)) return err(firstError(checkSuspect, raw, 'suspect'))
      const sf = raw as { origin: string; incarnation: number }
      return ok({ v: 1, kind: 'suspect', origin: sf.origin, incarnation: sf.incarnation })
    }
    default:
      return err({ type: 'unknown-kind', kind: echo(envelope.kind) })
  }
}

/**
 * A short printable form of a decoded JSON value. Never throws: a peer's `{"toString": null}`
 * breaks `String(value)`, and a deeply nested value breaks `JSON.stringify`.
 */
function printable(value: unknown): string {
  let text: string
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) text = String(value)
  else {
    try {
      text = JSON.stringify(value)
    } catch {
      return Array.isArray(value) ? 'an array' : 'an object'
    }
  }
  return text.length > 64 ? `${text.slice(0, 61)}...` : text
}

/** A short human description of a wire error, for logs and metrics labels. */
export function describeWireError(error: WireError): string {
  switch (error.type) {
    case 'too-large':
      return `frame of ${error.size} bytes exceeds the ${error.max}-byte limit`
    case 'not-json':
      return `not a JSON frame: ${error.detail}`
    case 'unsupported-version':
      return `unsupported wire version ${printable(error.version)}`
    case 'unknown-kind':
      return `unknown frame kind ${printable(error.kind)}`
    case 'invalid':
      return `invalid ${error.kind} frame at ${error.path}: ${error.detail}`
    case 'not-owned':
      return `record ${error.key} is not owned by its claimed origin ${error.origin}`
  }
}
