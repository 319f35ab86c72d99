/** Ways to damage a valid frame, for the decoder's totality properties. */
import fc from 'fast-check'

export interface Mutation {
  op: 'flip' | 'set' | 'delete' | 'insert' | 'truncate' | 'duplicate'
  pos: number
  len: number
  byte: number
}
export const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom('flip', 'set', 'delete', 'insert', 'truncate', 'duplicate'),
  pos: fc.nat(),
  len: fc.integer({ min: 1, max: 16 }),
  byte: fc.integer({ min: 0, max: 255 }),
})

export function mutate(bytes: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let b = Array.from(bytes)
  for (const m of mutations) {
    const p = b.length === 0 ? 0 : m.pos % b.length
    if (m.op === 'flip' && b.length > 0) b[p] = (b[p] as number) ^ (1 << (m.byte % 8))
    else if (m.op === 'set' && b.length > 0) b[p] = m.byte
    else if (m.op === 'delete') b.splice(p, m.len)
    else if (m.op === 'insert') b.splice(p, 0, ...new Array(m.len).fill(m.byte))
    else if (m.op === 'truncate') b = b.slice(0, p)
    else if (m.op === 'duplicate') b.splice(p, 0, ...b.slice(p, p + m.len))
  }
  return Uint8Array.from(b)
}

/** Replace the value at one path of a JSON document (chosen by index among all paths) with `replacement`. */
export function replaceAt(doc: unknown, index: number, replacement: unknown): unknown {
  const paths: Array<Array<string | number>> = []
  const walk = (v: unknown, path: Array<string | number>) => {
    paths.push(path)
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) walk(v[i], [...path, i])
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) walk(x, [...path, k])
    }
  }
  walk(doc, [])
  const path = paths[index % paths.length] as Array<string | number>
  if (path.length === 0) return replacement
  let parent = doc as Record<string | number, unknown>
  for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, unknown>
  parent[path[path.length - 1] as string | number] = replacement
  return doc
}
