import type { CheckStatus } from '../../crdt/schema.ts'
import { OUTPUT_MAX_BYTES } from './check-spec.ts'

/** What one run of a check says. Probes never reject: a failure to probe is a critical result. */
export interface ProbeResult {
  readonly status: CheckStatus
  readonly output: string
}

/** A probe honours `spec.timeoutMs` by itself and stops early when `signal` aborts. */
export type Probe<S> = (spec: S, signal: AbortSignal) => Promise<ProbeResult>

/**
 * Watches a probe's deadline: calls `onStop` once, with why, when `timeoutMs` passes or `outer`
 * aborts. Returns the cleanup to call when the probe finished first. (A plain timer, not
 * AbortSignal.timeout: that one cannot be cancelled and would fire for every finished probe.)
 */
export function watchDeadline(
  outer: AbortSignal,
  timeoutMs: number,
  onStop: (reason: string) => void,
): () => void {
  let stopped = false
  const stop = (reason: string): void => {
    if (stopped) return
    stopped = true
    cleanup()
    onStop(reason)
  }
  const onAbort = (): void => stop('cancelled')
  const timer = setTimeout(() => stop(`timed out after ${timeoutMs} ms`), timeoutMs)
  const cleanup = (): void => {
    stopped = true
    clearTimeout(timer)
    outer.removeEventListener('abort', onAbort)
  }
  if (outer.aborted) queueMicrotask(onAbort)
  else outer.addEventListener('abort', onAbort, { once: true })
  return cleanup
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
