import { err, ok, type Result } from '../../crdt/result.ts'

/**
 * Durations as operators write them: Go-style strings ("10s", "1m30s", "500ms", "1.5h") or an
 * integer number of milliseconds. Parsing is pure and returns a result; it never throws.
 */
const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
}

const PART = /([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)/y

/** The largest duration accepted anywhere (about 24.8 days, what a Node timer can hold). */
export const MAX_DURATION_MS = 2_147_483_647

export function parseDuration(input: unknown): Result<number, string> {
  if (typeof input === 'number') {
    if (!Number.isInteger(input) || input < 0) {
      return err(`must be a non-negative integer number of milliseconds, got ${input}`)
    }
    if (input > MAX_DURATION_MS) return err(`must be at most ${MAX_DURATION_MS} ms, got ${input}`)
    return ok(input)
  }
  if (typeof input !== 'string') {
    return err(`must be a duration string like "10s", "1m30s", "500ms" or an integer of milliseconds`)
  }
  const text = input.trim()
  if (text === '') return err('must not be empty; write a duration like "10s"')
  if (text === '0') return ok(0)
  let total = 0
  PART.lastIndex = 0
  let at = 0
  while (at < text.length) {
    PART.lastIndex = at
    const m = PART.exec(text)
    if (m === null) {
      return err(
        `"${input}" is not a duration; use a number followed by a unit (ns, us, ms, s, m, h), e.g. "10s" or "1m30s"`,
      )
    }
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number)
    at = PART.lastIndex
  }
  const ms = Math.round(total)
  if (ms > MAX_DURATION_MS)
    return err(`"${input}" is too long; at most ${MAX_DURATION_MS} ms (about 24 days)`)
  return ok(ms)
}

/** Milliseconds back to a short Go-style string ("1m30s", "500ms") for messages and docs. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s'
  if (ms < 1000) return `${ms}ms`
  let rest = ms
  let out = ''
  const h = Math.floor(rest / 3_600_000)
  rest -= h * 3_600_000
  const m = Math.floor(rest / 60_000)
  rest -= m * 60_000
  if (h > 0) out += `${h}h`
  if (m > 0) out += `${m}m`
  if (rest > 0) out += `${rest / 1000}s`
  return out
}
