import type { CatalogView } from '../crdt/view.ts'
import { type CompiledAnswer, compileAnswer } from './compile.ts'
import { domainLabels, parseName } from './names.ts'
import { lowerByte, type ParsedQuery, sameNameIgnoringCase } from './query.ts'
import { answerFor, type RecordSettings } from './records.ts'
import { HEADER_SIZE } from './wire-constants.ts'
import { buildZoneIndex, type ZoneIndex, type ZonePolicy } from './zone-index.ts'

/** One cached question: its lowercased wire name and type, the answer, and the next entry with the same hash. */
interface Entry {
  readonly name: Uint8Array
  readonly qtype: number
  readonly answer: CompiledAnswer | null
  readonly next: Entry | undefined
}

/**
 * Compiled answers per (name, type), valid for one catalog view index: the first query after a
 * catalog change computes an answer, every later one copies it. `null` caches "not ours".
 * Entries are found by the query's numeric hash and confirmed by comparing the name's bytes, so a
 * hit builds no string.
 */
export class AnswerCache {
  private readonly view: () => CatalogView
  private readonly domains: readonly (readonly string[])[]
  private readonly settings: RecordSettings
  private readonly policy: ZonePolicy
  private readonly maxEntries: number
  private zone: ZoneIndex | undefined
  private entries = new Map<number, Entry>()
  private count = 0
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
    return this.count
  }

  /** The zone index of the current view (rebuilt when the view's index moved). */
  current(): ZoneIndex {
    const view = this.view()
    if (this.zone === undefined || this.zone.index !== view.index) {
      this.zone = buildZoneIndex(view, this.policy)
      this.entries = new Map()
      this.count = 0
    }
    return this.zone
  }

  /**
   * The compiled answer, or undefined when the name is not ours (outside, unknown reverse).
   * `raw` is the message the query was parsed from (the name is read at offset 12).
   */
  lookup(raw: Uint8Array, q: ParsedQuery): CompiledAnswer | undefined {
    const zone = this.current()
    const first = this.entries.get(q.hash)
    for (let e = first; e !== undefined; e = e.next)
      if (e.qtype === q.qtype && sameNameIgnoringCase(raw, HEADER_SIZE, q.nameEnd, e.name))
        return e.answer ?? undefined
    this.computed++
    const nq = parseName(q.labels, this.domains)
    const answer = answerFor(nq, q.labels.join('.'), q.qtype, zone, this.settings)
    const compiled = answer === undefined ? null : compileAnswer(q.labels, answer)
    if (this.count >= this.maxEntries) {
      this.entries = new Map()
      this.count = 0
    }
    const name = Uint8Array.from(raw.subarray(HEADER_SIZE, q.nameEnd), lowerByte)
    const chain = this.count === 0 ? undefined : this.entries.get(q.hash)
    this.entries.set(q.hash, { name, qtype: q.qtype, answer: compiled, next: chain })
    this.count++
    return compiled ?? undefined
  }
}
