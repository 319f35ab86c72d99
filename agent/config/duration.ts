const UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
}
const PART = /([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)/y

/** Go-style duration ("1m30s", "500ms", "10s") or integer milliseconds → milliseconds. */
export function parseDurationMs(input: string | number): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? input : undefined
  const text = input.trim()
  if (/^[0-9]+$/.test(text)) return Number(text)
  if (text.length === 0) return undefined
  let total = 0
  PART.lastIndex = 0
  while (PART.lastIndex < text.length) {
    const start = PART.lastIndex
    const m = PART.exec(text)
    if (m === null || m.index !== start) return undefined
    total += Number(m[1]) * (UNITS[m[2] as string] as number)
  }
  return Math.round(total)
}

export function formatDurationMs(ms: number): string {
  if (ms % 86_400_000 === 0 && ms > 0) return `${ms / 3_600_000}h`
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`
  if (ms % 1000 === 0 && ms > 0) return `${ms / 1000}s`
  return `${ms}ms`
}
