/**
 * Per-query answer order (pure, randomness injected): a weighted random permutation, so an entry
 * of weight 10 comes first about ten times as often as one of weight 1 (Efraimidis–Spirakis:
 * sort by u^(1/w), here as ln(u)/w). Weight 0 sorts after every positive weight, shuffled among
 * its peers. With `preferLocal`, entries registered on this node come first, each group weighted.
 */

export interface Orderable {
  readonly weight: number
  readonly local: boolean
}

/** Indexes of `entries` in answer order. */
export function weightedOrder(
  entries: readonly Orderable[],
  random: () => number,
  preferLocal: boolean,
): number[] {
  const n = entries.length
  const idx = new Array<number>(n)
  for (let i = 0; i < n; i++) idx[i] = i
  if (n < 2) return idx
  // group: 0 local (when preferred), 1 positive weight, 2 weight zero. score: ln(u)/w, larger first.
  const group = new Uint8Array(n)
  const score = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const e = entries[i]!
    // 1 - random() is in (0, 1], so the log is finite.
    const l = Math.log(1 - random())
    if (preferLocal && e.local) group[i] = 0
    else group[i] = e.weight > 0 ? 1 : 2
    score[i] = e.weight > 0 ? l / e.weight : l
  }
  if (preferLocal) {
    // Within the local group, weight zero still sorts after positive weights.
    for (let i = 0; i < n; i++) if (group[i] === 0 && entries[i]!.weight <= 0) score[i] = score[i]! - 1e6
  }
  idx.sort((a, b) => group[a]! - group[b]! || score[b]! - score[a]!)
  return idx
}
