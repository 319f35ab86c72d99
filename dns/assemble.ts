import type { CompiledAnswer } from './compile.ts'
import type { ParsedQuery } from './query.ts'
import { FLAG, HEADER_SIZE, OPT_RR_SIZE, RCODE, TCP_LIMIT, TYPE, UDP_PLAIN_LIMIT } from './wire-constants.ts'

/**
 * Response bytes: header, the question copied verbatim from the query (its letter case echoed),
 * then as many records as fit in the size limit; TC is set whenever any record was left out.
 */

export type Transport = 'udp' | 'tcp'

/** The size a response may take: 512 for plain UDP; the client's EDNS0 size within [512, maxUdpSize]; 65535 on TCP. */
export function responseLimit(q: ParsedQuery, transport: Transport, maxUdpSize: number): number {
  if (transport === 'tcp') return TCP_LIMIT
  if (q.edns === undefined) return UDP_PLAIN_LIMIT
  return Math.max(UDP_PLAIN_LIMIT, Math.min(q.edns.udpSize, maxUdpSize))
}

function writeHeader(
  out: Uint8Array,
  id: number,
  flags: number,
  qd: number,
  an: number,
  ns: number,
  ar: number,
): void {
  out[0] = id >> 8
  out[1] = id & 0xff
  out[2] = flags >> 8
  out[3] = flags & 0xff
  out[4] = qd >> 8
  out[5] = qd & 0xff
  out[6] = an >> 8
  out[7] = an & 0xff
  out[8] = ns >> 8
  out[9] = ns & 0xff
  out[10] = ar >> 8
  out[11] = ar & 0xff
}

function writeOpt(out: Uint8Array, o: number, maxUdpSize: number, extRcode: number, dnssecOk: boolean): void {
  out[o] = 0
  out[o + 1] = 0
  out[o + 2] = TYPE.OPT
  out[o + 3] = maxUdpSize >> 8
  out[o + 4] = maxUdpSize & 0xff
  out[o + 5] = extRcode
  out[o + 6] = 0 // version
  out[o + 7] = dnssecOk ? 0x80 : 0
  out[o + 8] = 0
  out[o + 9] = 0
  out[o + 10] = 0
}

export function responseFlags(queryFlags: number, rcode: number, aa: boolean, tc: boolean): number {
  return (
    FLAG.QR |
    (aa ? FLAG.AA : 0) |
    (tc ? FLAG.TC : 0) |
    (queryFlags & (FLAG.RD | FLAG.CD)) |
    (rcode & FLAG.RCODE_MASK)
  )
}

/** A reply to a message that could not be parsed: header only (no question), ID and RD echoed. */
export function headerOnlyResponse(
  id: number,
  queryFlags: number,
  rcode: number,
  opt?: { maxUdpSize: number },
): Uint8Array {
  const out = new Uint8Array(HEADER_SIZE + (opt !== undefined ? OPT_RR_SIZE : 0))
  const flags = FLAG.QR | (queryFlags & (FLAG.OPCODE_MASK | FLAG.RD | FLAG.CD)) | (rcode & FLAG.RCODE_MASK)
  writeHeader(out, id, flags, 0, 0, 0, opt !== undefined ? 1 : 0)
  if (opt !== undefined) writeOpt(out, HEADER_SIZE, opt.maxUdpSize, rcode >> 4, false)
  return out
}

/** A reply that echoes the question and carries no records (REFUSED, SERVFAIL, NOTIMP). */
export function rcodeResponse(
  query: Uint8Array,
  q: ParsedQuery,
  rcode: number,
  maxUdpSize: number,
): Uint8Array {
  const opt = q.edns !== undefined
  const out = new Uint8Array(q.questionEnd + (opt ? OPT_RR_SIZE : 0))
  writeHeader(out, q.id, responseFlags(q.flags, rcode, false, false), 1, 0, 0, opt ? 1 : 0)
  out.set(query.subarray(HEADER_SIZE, q.questionEnd), HEADER_SIZE)
  if (opt) writeOpt(out, q.questionEnd, maxUdpSize, rcode >> 4, q.edns!.dnssecOk)
  return out
}

/** An empty TC=1 reply (rate-limit "slip"): tells a real client to retry over TCP. */
export function truncatedResponse(query: Uint8Array, q: ParsedQuery): Uint8Array {
  const out = new Uint8Array(q.questionEnd)
  writeHeader(out, q.id, responseFlags(q.flags, RCODE.NOERROR, false, true), 1, 0, 0, 0)
  out.set(query.subarray(HEADER_SIZE, q.questionEnd), HEADER_SIZE)
  return out
}

/**
 * The reply for a compiled answer. Two passes over the records, sizes first, then bytes into one
 * buffer from Node's pool: the common answer (a few A records, nothing additional) allocates
 * nothing else.
 */
export function assembleResponse(
  query: Uint8Array,
  q: ParsedQuery,
  c: CompiledAnswer,
  order: readonly number[] | undefined,
  limit: number,
  maxUdpSize: number,
): Uint8Array {
  const opt = q.edns !== undefined
  let size = q.questionEnd + (opt ? OPT_RR_SIZE : 0)
  let truncated = false
  const answers = c.answers
  const n = answers.length
  // Answers that fit, in order; the additional records they need (deduplicated), if any.
  let an = 0
  let additional: Uint8Array[] | undefined
  for (; an < n; an++) {
    const k = order === undefined ? an : order[an]!
    const rr = answers[k]!
    if (size + rr.length > limit) {
      truncated = true
      break
    }
    size += rr.length
    const adds = c.additionalFor[k]!
    if (adds.length > 0) {
      additional ??= []
      for (const add of adds) if (!additional.includes(add)) additional.push(add)
    }
  }
  let ns = 0
  if (!truncated) {
    for (const rr of c.authority) {
      if (size + rr.length > limit) {
        truncated = true
        break
      }
      size += rr.length
      ns++
    }
  }
  let ar = 0
  if (additional !== undefined) {
    for (const rr of additional) {
      if (size + rr.length > limit) {
        truncated = true
        break
      }
      size += rr.length
      ar++
    }
  }
  const out = Buffer.allocUnsafe(size)
  writeHeader(out, q.id, responseFlags(q.flags, c.rcode, true, truncated), 1, an, ns, ar + (opt ? 1 : 0))
  // The question, byte by byte: a few dozen bytes copy faster than a subarray view is made.
  for (let i = HEADER_SIZE; i < q.questionEnd; i++) out[i] = query[i]!
  let o = q.questionEnd
  for (let i = 0; i < an; i++) {
    const rr = answers[order === undefined ? i : order[i]!]!
    out.set(rr, o)
    o += rr.length
  }
  for (let i = 0; i < ns; i++) {
    const rr = c.authority[i]!
    out.set(rr, o)
    o += rr.length
  }
  for (let i = 0; i < ar; i++) {
    const rr = additional![i]!
    out.set(rr, o)
    o += rr.length
  }
  if (opt) writeOpt(out, o, maxUdpSize, 0, q.edns!.dnssecOk)
  return out
}
