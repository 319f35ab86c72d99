import { FLAG, HEADER_SIZE, MAX_LABEL, MAX_NAME_WIRE, RCODE, TYPE } from './wire-constants.ts'

/**
 * Defensive parsing of a query message from raw bytes (never through a general decoder, which
 * can throw or loop on hostile input). Total: every input yields a result, nothing throws.
 *
 * Outcomes: `drop` (no reply at all: too short for a header, or a response, QR=1), `error` (a
 * header-only reply with an rcode: FORMERR, NOTIMP, BADVERS), or `ok` with the one question.
 */

export interface ParsedQuery {
  readonly id: number
  /** The query's flags word (RD and CD are echoed from it). */
  readonly flags: number
  /** Question name labels, raw bytes as latin1 strings, ASCII-lowercased. Dots inside stay inside. */
  readonly labels: readonly string[]
  /** Offset just past the question's name; the question section is bytes [12, questionEnd). */
  readonly nameEnd: number
  readonly questionEnd: number
  readonly qtype: number
  readonly qclass: number
  /** Cache key: qtype and the lowercased wire name. */
  readonly key: string
  /**
   * A 30-bit hash of qtype and the lowercased wire name (FNV-1a), computed while the name is
   * validated: the answer cache finds its entry without building a string per query.
   */
  readonly hash: number
  /** EDNS0: present when the query carried one valid OPT record. */
  readonly edns: { readonly udpSize: number; readonly dnssecOk: boolean } | undefined
}

export type QueryParse =
  | { readonly ok: true; readonly query: ParsedQuery }
  | { readonly ok: false; readonly action: 'drop'; readonly reason: string }
  | {
      readonly ok: false
      readonly action: 'error'
      readonly rcode: number
      readonly id: number
      readonly flags: number
      readonly reason: string
      /** For BADVERS the reply must carry an OPT record. */
      readonly withOpt?: boolean
    }

const u16 = (b: Uint8Array, o: number): number => (b[o]! << 8) | b[o + 1]!

/**
 * Walk a name starting at `offset` that may use compression pointers (only in the additional
 * section): each pointer must go strictly backwards past the previous one, so loops are impossible.
 * Returns the offset after the name in the record, or -1 when malformed.
 */
export function skipName(buf: Uint8Array, offset: number): number {
  let pos = offset
  let end = -1
  let lowestJump = offset
  let wire = 0
  for (let hops = 0; hops < 128; hops++) {
    if (pos >= buf.length) return -1
    const len = buf[pos]!
    if (len === 0) {
      wire += 1
      if (wire > MAX_NAME_WIRE) return -1
      return end === -1 ? pos + 1 : end
    }
    const kind = len & 0xc0
    if (kind === 0xc0) {
      if (pos + 1 >= buf.length) return -1
      const target = ((len & 0x3f) << 8) | buf[pos + 1]!
      if (target >= lowestJump || target < HEADER_SIZE) return -1
      if (end === -1) end = pos + 2
      lowestJump = target
      pos = target
      continue
    }
    if (kind !== 0) return -1 // 0x40/0x80 label types are reserved or obsolete
    wire += len + 1
    if (wire > MAX_NAME_WIRE) return -1
    pos += len + 1
  }
  return -1
}

/** An ASCII letter byte lowercased; any other byte as it is (DNS compares names ASCII-case-insensitively). */
export function lowerByte(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c | 0x20 : c
}

/** Bytes [start, end) as a latin1 string with ASCII letters lowercased (DNS compares names ASCII-case-insensitively). */
function asciiLowerLatin1(buf: Uint8Array, start: number, end: number): string {
  let upper = false
  for (let i = start; i < end; i++) {
    const c = buf[i]!
    if (c >= 0x41 && c <= 0x5a) {
      upper = true
      break
    }
  }
  const view = Buffer.from(buf.buffer, buf.byteOffset + start, end - start)
  if (!upper) return view.toString('latin1')
  const copy = Buffer.from(view)
  for (let i = 0; i < copy.length; i++) copy[i] = lowerByte(copy[i]!)
  return copy.toString('latin1')
}

/** The question's labels, split from the lowercased wire name (length-prefixed, so dots stay inside labels). */
function splitWireName(wire: string): string[] {
  const labels: string[] = []
  let i = 0
  while (i < wire.length) {
    const len = wire.charCodeAt(i)
    if (len === 0) break
    labels.push(wire.slice(i + 1, i + 1 + len))
    i += len + 1
  }
  return labels
}

/** ParsedQuery with the name's strings made lazily: only a cache miss needs them. */
class Query implements ParsedQuery {
  readonly id: number
  readonly flags: number
  readonly nameEnd: number
  readonly questionEnd: number
  readonly qtype: number
  readonly qclass: number
  readonly hash: number
  readonly edns: ParsedQuery['edns']
  private readonly raw: Uint8Array
  private wire: string | undefined
  private split: string[] | undefined

  constructor(
    raw: Uint8Array,
    id: number,
    flags: number,
    nameEnd: number,
    questionEnd: number,
    qtype: number,
    qclass: number,
    hash: number,
    edns: ParsedQuery['edns'],
  ) {
    this.raw = raw
    this.id = id
    this.flags = flags
    this.nameEnd = nameEnd
    this.questionEnd = questionEnd
    this.qtype = qtype
    this.qclass = qclass
    this.hash = hash
    this.edns = edns
    this.wire = undefined
    this.split = undefined
  }

  private get wireName(): string {
    this.wire ??= asciiLowerLatin1(this.raw, HEADER_SIZE, this.nameEnd)
    return this.wire
  }

  get key(): string {
    return `${this.qtype}/${this.wireName}`
  }

  get labels(): readonly string[] {
    this.split ??= splitWireName(this.wireName)
    return this.split
  }
}

const FNV_OFFSET = 0x811c9dc5
const FNV_PRIME = 0x01000193

/** FNV-1a over the name's bytes, ASCII-lowercased, then qtype; kept to 30 bits (a small integer to V8). */
export function questionHash(buf: Uint8Array, start: number, end: number, qtype: number): number {
  let h = FNV_OFFSET
  for (let i = start; i < end; i++) h = Math.imul(h ^ lowerByte(buf[i]!), FNV_PRIME)
  h = Math.imul(h ^ (qtype >> 8), FNV_PRIME)
  h = Math.imul(h ^ (qtype & 0xff), FNV_PRIME)
  return h & 0x3fffffff
}

/** Whether the name at [start, end) in `buf` equals the lowercased wire name `lower`, ignoring ASCII case. */
export function sameNameIgnoringCase(
  buf: Uint8Array,
  start: number,
  end: number,
  lower: Uint8Array,
): boolean {
  if (end - start !== lower.length) return false
  for (let i = 0; i < lower.length; i++) if (lowerByte(buf[start + i]!) !== lower[i]) return false
  return true
}

function failure(id: number, flags: number, rcode: number, reason: string, withOpt = false): QueryParse {
  return { ok: false, action: 'error', rcode, id, flags, reason, withOpt }
}

export function parseQuery(buf: Uint8Array): QueryParse {
  if (buf.length < HEADER_SIZE) return { ok: false, action: 'drop', reason: 'short header' }
  const id = u16(buf, 0)
  const flags = u16(buf, 2)
  if ((flags & FLAG.QR) !== 0) return { ok: false, action: 'drop', reason: 'response (QR=1)' }
  if ((flags & FLAG.OPCODE_MASK) !== 0) return failure(id, flags, RCODE.NOTIMP, 'opcode not QUERY')
  const qd = u16(buf, 4)
  const an = u16(buf, 6)
  const ns = u16(buf, 8)
  const ar = u16(buf, 10)
  if (qd !== 1) return failure(id, flags, RCODE.FORMERR, `QDCOUNT ${qd}`)
  if (an !== 0 || ns !== 0) return failure(id, flags, RCODE.FORMERR, 'answer or authority records in a query')

  // The question name: plain labels only (a pointer in the only question can only be a loop or
  // point into the header).
  let pos = HEADER_SIZE
  let wire = 0
  for (;;) {
    if (pos >= buf.length) return failure(id, flags, RCODE.FORMERR, 'question name runs past the end')
    const len = buf[pos]!
    if (len === 0) {
      pos += 1
      wire += 1
      break
    }
    if ((len & 0xc0) === 0xc0) return failure(id, flags, RCODE.FORMERR, 'compression pointer in the question')
    if (len > MAX_LABEL)
      return failure(id, flags, RCODE.FORMERR, 'label longer than 63 or reserved label type')
    wire += len + 1
    if (wire >= MAX_NAME_WIRE) return failure(id, flags, RCODE.FORMERR, 'name longer than 255 octets')
    if (pos + 1 + len > buf.length) return failure(id, flags, RCODE.FORMERR, 'label runs past the end')
    pos += len + 1
  }
  const nameEnd = pos
  if (pos + 4 > buf.length) return failure(id, flags, RCODE.FORMERR, 'question type/class missing')
  const qtype = u16(buf, pos)
  const qclass = u16(buf, pos + 2)
  pos += 4
  const questionEnd = pos

  let edns: ParsedQuery['edns']
  for (let i = 0; i < ar; i++) {
    const start = pos
    const afterName = skipName(buf, pos)
    if (afterName < 0) return failure(id, flags, RCODE.FORMERR, 'malformed name in the additional section')
    if (afterName + 10 > buf.length)
      return failure(id, flags, RCODE.FORMERR, 'additional record runs past the end')
    const type = u16(buf, afterName)
    const rdlen = u16(buf, afterName + 8)
    const rdStart = afterName + 10
    if (rdStart + rdlen > buf.length) return failure(id, flags, RCODE.FORMERR, 'rdata runs past the end')
    if (type === TYPE.OPT) {
      if (edns !== undefined) return failure(id, flags, RCODE.FORMERR, 'more than one OPT record')
      if (afterName !== start + 1 || buf[start] !== 0)
        return failure(id, flags, RCODE.FORMERR, 'OPT owner is not the root')
      for (let o = rdStart; o < rdStart + rdlen; ) {
        if (o + 4 > rdStart + rdlen) return failure(id, flags, RCODE.FORMERR, 'OPT option header truncated')
        o += 4 + u16(buf, o + 2)
        if (o > rdStart + rdlen) return failure(id, flags, RCODE.FORMERR, 'OPT option overruns its record')
      }
      const version = buf[afterName + 5]!
      const udpSize = u16(buf, afterName + 2)
      const dnssecOk = (buf[afterName + 6]! & 0x80) !== 0
      if (version !== 0) return failure(id, flags, RCODE.BADVERS, `EDNS version ${version}`, true)
      edns = { udpSize, dnssecOk }
    }
    pos = rdStart + rdlen
  }
  if (pos !== buf.length) return failure(id, flags, RCODE.FORMERR, 'trailing bytes after the last record')

  const hash = questionHash(buf, HEADER_SIZE, nameEnd, qtype)
  const query = new Query(buf, id, flags, nameEnd, questionEnd, qtype, qclass, hash, edns)
  return { ok: true, query }
}
