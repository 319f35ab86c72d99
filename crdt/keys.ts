import type { RecordValue } from './schema.ts'

/**
 * Record keys embed their owner: `inst/<origin>/<id>` and `node/<origin>`. Two nodes that
 * register the same instance id therefore write different keys, so every key has exactly one
 * writer and last-writer-wins never throws away a concurrent write.
 */
export type KeyKind = 'inst' | 'node'

export interface ParsedKey {
  readonly kind: KeyKind
  readonly origin: string
  readonly id: string
}

export function instanceKey(origin: string, id: string): string {
  return `inst/${origin}/${id}`
}

export function nodeKey(origin: string): string {
  return `node/${origin}`
}

export function parseKey(key: string): ParsedKey | undefined {
  const first = key.indexOf('/')
  if (first < 0) return undefined
  const kind = key.slice(0, first)
  const rest = key.slice(first + 1)
  if (kind === 'node')
    return rest.length > 0 && !rest.includes('/') ? { kind, origin: rest, id: '' } : undefined
  if (kind !== 'inst') return undefined
  const second = rest.indexOf('/')
  if (second <= 0 || second === rest.length - 1) return undefined
  const id = rest.slice(second + 1)
  if (id.includes('/')) return undefined
  return { kind, origin: rest.slice(0, second), id }
}

/** True when `key` belongs to `origin` and, for a live record, names the record it holds. */
export function isOwnedKey(key: string, origin: string, value: RecordValue | null): boolean {
  const parsed = parseKey(key)
  if (parsed === undefined || parsed.origin !== origin) return false
  if (value === null) return true
  if (parsed.kind === 'node') return value.kind === 'node'
  return value.kind === 'instance' && value.id === parsed.id
}
