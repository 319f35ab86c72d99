import dnsPacket, { type Answer } from 'dns-packet'
import type { Orderable } from './order.ts'
import type { ZoneAnswer } from './records.ts'
import { HEADER_SIZE, RCODE } from './wire-constants.ts'

/**
 * A ZoneAnswer encoded once (per catalog index) into wire chunks, so a query only copies bytes.
 * Owner names are compressed against the echoed question (RFC 1035 §4.1.4): the question always
 * sits at offset 12 with the same label lengths, whatever its letter case.
 */

export interface CompiledAnswer {
  readonly rcode: number
  readonly answers: readonly Uint8Array[]
  /** Weights and locality for the per-query order; undefined keeps the compiled order. */
  readonly orderable: readonly Orderable[] | undefined
  /** Per answer, the additional records it needs (shared buffers, deduplicated by identity). */
  readonly additionalFor: readonly (readonly Uint8Array[])[]
  readonly authority: readonly Uint8Array[]
}

function nameLabels(name: string): string[] {
  const n = name.replace(/^\.|\.$/g, '')
  return n === '' ? [] : n.toLowerCase().split('.')
}

/** The wire length of an uncompressed name at `offset` in `b`. */
function plainNameLength(b: Uint8Array, offset: number): number {
  let p = offset
  while (b[p] !== 0) p += b[p]! + 1
  return p + 1 - offset
}

export class AnswerCompiler {
  private readonly qLabels: readonly string[]
  private readonly qOffsets: number[]
  private readonly shared = new Map<string, Uint8Array>()

  constructor(questionLabels: readonly string[]) {
    this.qLabels = questionLabels
    this.qOffsets = []
    let o = HEADER_SIZE
    for (const l of questionLabels) {
      this.qOffsets.push(o)
      o += Buffer.byteLength(l, 'latin1') + 1
    }
  }

  /** The owner name, compressed against the longest label-aligned suffix it shares with the question. */
  private ownerName(name: string): Buffer {
    const labels = nameLabels(name)
    const q = this.qLabels
    let common = 0
    while (
      common < labels.length &&
      common < q.length &&
      labels[labels.length - 1 - common] === q[q.length - 1 - common]
    )
      common++
    const head = labels.slice(0, labels.length - common)
    const parts: Buffer[] = []
    for (const l of head) {
      const b = Buffer.from(l, 'utf8')
      parts.push(Buffer.from([b.length]), b)
    }
    if (common > 0) {
      const target = this.qOffsets[q.length - common]!
      parts.push(Buffer.from([0xc0 | (target >> 8), target & 0xff]))
    } else {
      parts.push(Buffer.from([0]))
    }
    return Buffer.concat(parts)
  }

  record(rr: Answer): Uint8Array {
    const encoded = dnsPacket.encode({ type: 'response', answers: [rr] }).subarray(HEADER_SIZE)
    const rest = encoded.subarray(plainNameLength(encoded, 0))
    return Buffer.concat([this.ownerName(rr.name), rest])
  }

  /** One buffer per distinct record, so additional records repeated across answers dedupe by identity. */
  sharedRecord(rr: Answer): Uint8Array {
    const key = `${rr.name}\u0000${rr.type}\u0000${JSON.stringify('data' in rr ? rr.data : '')}`
    let b = this.shared.get(key)
    if (b === undefined) {
      b = this.record(rr)
      this.shared.set(key, b)
    }
    return b
  }

  compile(a: ZoneAnswer): CompiledAnswer {
    return {
      rcode: a.rcode === 'NXDOMAIN' ? RCODE.NXDOMAIN : RCODE.NOERROR,
      answers: a.answers.map((e) => this.record(e.record)),
      orderable:
        a.ordered && a.answers.length > 1
          ? a.answers.map((e) => ({ weight: e.weight, local: e.local }))
          : undefined,
      additionalFor: a.answers.map((e) => e.additional.map((r) => this.sharedRecord(r))),
      authority: a.authority.map((r) => this.record(r)),
    }
  }
}

export function compileAnswer(questionLabels: readonly string[], a: ZoneAnswer): CompiledAnswer {
  return new AnswerCompiler(questionLabels).compile(a)
}
