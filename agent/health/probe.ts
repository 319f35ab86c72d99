import type { CheckStatus } from '../../crdt/schema.ts'
import { OUTPUT_MAX_BYTES } from './check-spec.ts'

/** What one run of a check says. Probes never reject: a failure to probe is a critical result. */
export interface ProbeResult {
  readonly status: CheckStatus
  readonly output: string
}

/** A probe honours `spec.timeoutMs` by itself and stops early when `signal` aborts. */
export type Probe<S> = (spec: S, signal: AbortSignal) => Promise<ProbeResult>

/** The signal a probe runs under: the caller's, or the timeout, whichever fires first. */
export function probeSignal(signal: AbortSignal, timeoutMs: number): AbortSignal {
  return AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)])
}

/** Why a probe was cut short: `timed out after 5s` or `cancelled`. */
export function abortReason(signal: AbortSignal, outer: AbortSignal, timeoutMs: number): string {
  if (outer.aborted) return 'cancelled'
  return signal.aborted ? `timed out after ${timeoutMs} ms` : 'aborted'
}

/** Collects at most OUTPUT_MAX_BYTES from chunks; reports when it is full. */
export class OutputCapture {
  private readonly chunks: Buffer[] = []
  private size = 0
  truncated = false

  /** Adds a chunk; returns true once the capture is full (the caller may stop reading). */
  push(chunk: Buffer): boolean {
    const room = OUTPUT_MAX_BYTES - this.size
    if (room <= 0) {
      this.truncated = this.truncated || chunk.length > 0
      return true
    }
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk
    if (chunk.length > room) this.truncated = true
    this.chunks.push(part)
    this.size += part.length
    return this.size >= OUTPUT_MAX_BYTES
  }

  get bytes(): number {
    return this.size
  }

  text(): string {
    // A cut through a multi-byte character becomes U+FFFD; the output stays within the cap.
    return Buffer.concat(this.chunks, this.size).toString('utf8')
  }
}

/** Shortens text to at most `maxChars` characters (CheckSummary.output holds 1024). */
export function truncateOutput(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text
  const marker = ' …(truncated)'
  return text.slice(0, Math.max(0, maxChars - marker.length)) + marker
}

export function errorText(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as NodeJS.ErrnoException).code
    return code !== undefined && !e.message.includes(code) ? `${code}: ${e.message}` : e.message
  }
  return String(e)
}
