import { hlcToString } from '../../crdt/hlc.ts'
import type { CatalogView, InstanceView } from '../../crdt/view.ts'
import type { InstanceAnswer } from './schemas.ts'

/**
 * Turning catalog view entries into API answers. Every instance carries its origin (node name
 * and peer id) and freshness (record version and age). Because the age changes every
 * millisecond while the rest changes only with the view, an instance is pre-serialized once per
 * view as two fragments around the age (`answerFragments`), and each answer only joins them.
 */

export function instanceToAnswer(view: CatalogView, iv: InstanceView, now: number): InstanceAnswer {
  const { kind: _kind, id, service, ...value } = iv.instance
  const node = view.nodeByOrigin(iv.origin)
  return {
    key: iv.key,
    id,
    service,
    ...value,
    health: iv.health,
    nodeState: iv.nodeState,
    local: iv.origin === view.localOrigin,
    origin: { node: node?.name ?? iv.instance.node, peerId: iv.origin },
    freshness: { version: hlcToString(iv.hlc), ageMs: Math.max(0, Math.round(now - iv.hlc.wall)) },
  }
}

/** An instance answer as JSON bytes around its age: `head + ageMs + '}}'`. */
export interface AnswerFragment {
  readonly iv: InstanceView
  readonly head: Buffer
  readonly wall: number
}

export function answerFragment(view: CatalogView, iv: InstanceView): AnswerFragment {
  const full = instanceToAnswer(view, iv, iv.hlc.wall)
  const { freshness, ...rest } = full
  const json = JSON.stringify(rest)
  const head = `${json.slice(0, -1)},"freshness":{"version":${JSON.stringify(freshness.version)},"ageMs":`
  return { iv, head: Buffer.from(head, 'utf8'), wall: iv.hlc.wall }
}

/** A number's digits never need more than this many bytes, plus the closing `}}`. */
const AGE_ROOM = 24

/**
 * `prefix` + the fragments as a JSON array + `suffix`, straight into one buffer: no string is
 * built or UTF-8 encoded per request (that was most of the cost of a 100-instance answer).
 */
export function joinFragments(
  prefix: Buffer,
  fragments: readonly AnswerFragment[],
  suffix: Buffer,
  now: number,
): Buffer {
  let size = prefix.length + suffix.length + fragments.length * (AGE_ROOM + 1)
  for (const f of fragments) size += f.head.length
  const out = Buffer.allocUnsafe(size)
  out.set(prefix, 0)
  let at = prefix.length
  for (let i = 0; i < fragments.length; i++) {
    const f = fragments[i] as AnswerFragment
    if (i > 0) out[at++] = 0x2c // ,
    out.set(f.head, at)
    at += f.head.length
    at += out.write(`${Math.max(0, Math.round(now - f.wall))}}}`, at, 'latin1')
  }
  out.set(suffix, at)
  at += suffix.length
  return out.subarray(0, at)
}

export interface InstanceFilter {
  readonly passing?: boolean
  readonly tags?: readonly string[]
  readonly meta?: ReadonlyArray<readonly [string, string]>
  readonly version?: string
  readonly node?: string
}

/** Keep the instances that match every given filter (tags: all of them; meta: every pair). */
export function filterInstances(
  view: CatalogView,
  list: readonly InstanceView[],
  f: InstanceFilter,
): InstanceView[] {
  const node = f.node?.toLowerCase()
  return list.filter((iv) => {
    if (f.passing === true && iv.health !== 'passing') return false
    if (f.version !== undefined && iv.instance.version !== f.version) return false
    if (node !== undefined) {
      const name = view.nodeByOrigin(iv.origin)?.name ?? iv.instance.node
      if (name.toLowerCase() !== node) return false
    }
    if (f.tags !== undefined && !f.tags.every((t) => iv.instance.tags.includes(t))) return false
    if (f.meta !== undefined && !f.meta.every(([k, v]) => iv.instance.meta[k] === v)) return false
    return true
  })
}
