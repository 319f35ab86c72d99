import { hashString } from '../../crdt/hash.ts'

/**
 * Orderings for `GET /v1/services/:name?strategy=`. Pure: randomness and the round-robin
 * position come in as arguments, so each ordering is a table test.
 */
export const STRATEGIES = ['round_robin', 'random', 'weighted', 'consistent_hash', 'local_first'] as const
export type Strategy = (typeof STRATEGIES)[number]

export interface Orderable {
  readonly key: string
  readonly origin: string
  readonly instance: { readonly weight: number }
}

export interface OrderContext {
  /** In [0, 1). */
  readonly random: () => number
  /** round_robin: how many answers this service has had; the list is rotated by that much. */
  readonly turn: number
  /** consistent_hash: the key to hash (required for that strategy). */
  readonly key?: string
  /** local_first: this agent's origin. */
  readonly localOrigin: string
}

/** Rotate left by `turn` (mod length). */
export function rotate<T>(list: readonly T[], turn: number): T[] {
  if (list.length === 0) return []
  const k = ((turn % list.length) + list.length) % list.length
  return [...list.slice(k), ...list.slice(0, k)]
}

/** Fisher–Yates with the given random source. */
export function shuffle<T>(list: readonly T[], random: () => number): T[] {
  const out = [...list]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const t = out[i] as T
    out[i] = out[j] as T
    out[j] = t
  }
  return out
}

/**
 * Weighted random order without replacement (an exponential race: each instance draws
 * -ln(u)/weight and the smallest goes first), so the first pick is instance i with probability
 * weight_i / Σweight. Weight 0 instances come last, in their stable order.
 */
export function weightedOrder<T extends Orderable>(list: readonly T[], random: () => number): T[] {
  const drawn = list.map((item, i) => {
    const w = item.instance.weight
    const score = w > 0 ? -Math.log(1 - random()) / w : Number.POSITIVE_INFINITY
    return { item, i, score }
  })
  drawn.sort((a, b) => (a.score === b.score ? a.i - b.i : a.score < b.score ? -1 : 1))
  return drawn.map((d) => d.item)
}

/** MurmurHash3's finalizer: FNV alone barely mixes the last characters into the high bits. */
function fmix32(h: number): number {
  let x = h >>> 0
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0
  return (x ^ (x >>> 16)) >>> 0
}

/**
 * Rendezvous (highest-random-weight) hashing: instances ordered by hash(key, instance key).
 * The same key gets the same first instance while the set is unchanged, and adding or removing
 * one instance only moves the keys that pick that instance.
 */
export function consistentOrder<T extends Orderable>(list: readonly T[], key: string): T[] {
  const scored = list.map((item) => {
    const h = hashString(`${key}\u0000${item.key}`)
    return { item, hi: fmix32(h.hi ^ h.lo), lo: fmix32(h.lo) }
  })
  scored.sort((a, b) => b.hi - a.hi || b.lo - a.lo || (a.item.key < b.item.key ? -1 : 1))
  return scored.map((s) => s.item)
}

/** Instances registered on this agent first, then the rest, each group in stable order. */
export function localFirst<T extends Orderable>(list: readonly T[], localOrigin: string): T[] {
  return [...list.filter((x) => x.origin === localOrigin), ...list.filter((x) => x.origin !== localOrigin)]
}

export function orderInstances<T extends Orderable>(
  list: readonly T[],
  strategy: Strategy | undefined,
  ctx: OrderContext,
): readonly T[] {
  switch (strategy) {
    case undefined:
      return list
    case 'round_robin':
      return rotate(list, ctx.turn)
    case 'random':
      return shuffle(list, ctx.random)
    case 'weighted':
      return weightedOrder(list, ctx.random)
    case 'consistent_hash':
      return consistentOrder(list, ctx.key ?? '')
    case 'local_first':
      return localFirst(list, ctx.localOrigin)
  }
}
