import Type from 'typebox'
import type { InstanceView } from '../../../crdt/view.ts'
import { GrapevineError } from '../../errors.ts'
import type { NodeFacts } from './catalog-shapes.ts'

/**
 * Consul's list filters: `?tag=` (repeatable: every tag must match), `?node-meta=key:value`
 * (repeatable: every pair must match) and `?passing` (present, or `=true`/`=1`).
 */
export const FilterQueryFields = {
  tag: Type.Optional(Type.Array(Type.String({ maxLength: 256 }), { maxItems: 32 })),
  'node-meta': Type.Optional(Type.Array(Type.String({ maxLength: 1024 }), { maxItems: 32 })),
  passing: Type.Optional(Type.String({ maxLength: 8 })),
}

export function parseNodeMeta(list: readonly string[] | undefined): ReadonlyArray<readonly [string, string]> {
  return (list ?? []).map((kv) => {
    const at = kv.indexOf(':')
    if (at <= 0) {
      throw new GrapevineError('VALIDATION', `query/node-meta must be key:value, not "${kv}"`)
    }
    return [kv.slice(0, at), kv.slice(at + 1)] as const
  })
}

export function matchesNodeMeta(
  meta: Readonly<Record<string, string>>,
  pairs: ReadonlyArray<readonly [string, string]>,
): boolean {
  return pairs.every(([k, v]) => meta[k] === v)
}

export function hasTags(iv: InstanceView, tags: readonly string[] | undefined): boolean {
  return tags === undefined || tags.every((t) => iv.instance.tags.includes(t))
}

/** `?passing`, `?passing=true`, `?passing=1` mean yes; `false`/`0` mean no (as Consul parses it). */
export function isPassingAsked(passing: string | undefined): boolean {
  if (passing === undefined) return false
  return !['0', 'f', 'F', 'false', 'False', 'FALSE'].includes(passing)
}

export function nodeMatches(n: NodeFacts, pairs: ReadonlyArray<readonly [string, string]>): boolean {
  return matchesNodeMeta(n.meta, pairs)
}
