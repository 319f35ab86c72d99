import type { CatalogView } from '../crdt/view.ts'
import { type CompiledAnswer, compileAnswer } from './compile.ts'
import { domainLabels, parseName } from './names.ts'
import type { ParsedQuery } from './query.ts'
import { answerFor, type RecordSettings } from './records.ts'
import { buildZoneIndex, type ZoneIndex, type ZonePolicy } from './zone-index.ts'

/**
 * Compiled answers per (name, type), valid for one catalog view index: the first query after a
 * catalog change computes an answer, every later one copies it. `null` caches "not ours".
 */
export class AnswerCache {
  private readonly view: () => CatalogView
  private readonly domains: readonly (readonly string[])[]
  private readonly settings: RecordSettings
  private readonly policy: ZonePolicy
  private readonly maxEntries: number
  private zone: ZoneIndex | undefined
  private entries = new Map<string, CompiledAnswer | null>()
  /** Answers computed (cache misses), for tests and metrics. */
  computed = 0

  constructor(
    view: () => CatalogView,
    init: { domains: readonly string[]; settings: RecordSettings; policy: ZonePolicy; maxEntries: number },
  ) {
    this.view = view
    this.domains = domainLabels(init.domains)
    this.settings = init.settings
    this.policy = init.policy
    this.maxEntries = init.maxEntries
  }

  get size(): number {
    return this.entries.size
  }

  /** The zone index of the current view (rebuilt when the view's index moved). */
  current(): ZoneIndex {
    const view = this.view()
    if (this.zone === undefined || this.zone.index !== view.index) {
      this.zone = buildZoneIndex(view, this.policy)
      this.entries = new Map()
    }
    return this.zone
  }

  /** The compiled answer, or undefined when the name is not ours (outside, unknown reverse). */
  lookup(q: ParsedQuery): CompiledAnswer | undefined {
    const zone = this.current()
    const hit = this.entries.get(q.key)
    if (hit !== undefined) return hit ?? undefined
    this.computed++
    const nq = parseName(q.labels, this.domains)
    const answer = answerFor(nq, q.labels.join('.'), q.qtype, zone, this.settings)
    const compiled = answer === undefined ? null : compileAnswer(q.labels, answer)
    if (this.entries.size >= this.maxEntries) this.entries = new Map()
    this.entries.set(q.key, compiled)
    return compiled ?? undefined
  }
}
