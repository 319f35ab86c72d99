import type { Timers } from './timers.ts'

/**
 * Items due at clock times, driven by one timer for the whole queue instead of one per item.
 * Times are rounded up to a grid (`gridMs`): items due in the same slot share one wakeup, so
 * 500 checks at a 1 s interval cost at most 100 wakeups a second, with no timer object and no
 * closure per run. Each item is in at most one slot; scheduling it again moves it.
 */
export interface DueQueueComponents {
  readonly timers: Timers
  readonly now: () => number
}

export interface DueQueueInit<T> {
  readonly gridMs: number
  /** Called once per due item with the slot time it was due at. May schedule items again. */
  readonly onDue: (item: T, dueAt: number) => void
}

export class DueQueue<T> {
  private readonly timers: Timers
  private readonly now: () => number
  private readonly gridMs: number
  private readonly onDue: (item: T, dueAt: number) => void
  private readonly slots = new Map<number, Set<T>>()
  private readonly slotOf = new Map<T, number>()
  /** Min-heap of slot times (a slot emptied by cancel stays until popped). */
  private readonly heap: number[] = []
  private timer: unknown
  private timerAt = Number.POSITIVE_INFINITY
  /** The slot being run; an item scheduled into it (or earlier) meanwhile goes to the next slot. */
  private firing = Number.NEGATIVE_INFINITY

  constructor(components: DueQueueComponents, init: DueQueueInit<T>) {
    this.timers = components.timers
    this.now = components.now
    this.gridMs = init.gridMs
    this.onDue = init.onDue
  }

  get size(): number {
    return this.slotOf.size
  }

  /** The slot time an item is due at, or undefined when it is not queued. */
  dueAt(item: T): number | undefined {
    return this.slotOf.get(item)
  }

  /** Queues an item for clock time `at` (rounded up to the grid), replacing its earlier slot. */
  schedule(item: T, at: number): void {
    let slot = Math.ceil(at / this.gridMs) * this.gridMs
    if (slot <= this.firing) slot = this.firing + this.gridMs
    const old = this.slotOf.get(item)
    if (old === slot) return
    if (old !== undefined) this.slots.get(old)?.delete(item)
    let set = this.slots.get(slot)
    if (set === undefined) {
      set = new Set()
      this.slots.set(slot, set)
      heapPush(this.heap, slot)
    }
    set.add(item)
    this.slotOf.set(item, slot)
    if (slot < this.timerAt) this.arm(slot)
  }

  cancel(item: T): void {
    const slot = this.slotOf.get(item)
    if (slot === undefined) return
    this.slotOf.delete(item)
    const set = this.slots.get(slot)
    set?.delete(item)
    if (set?.size === 0 && slot !== this.firing) this.slots.delete(slot)
    if (this.slotOf.size === 0) this.disarm()
  }

  /** Drops every item and the timer. */
  clear(): void {
    this.slots.clear()
    this.slotOf.clear()
    this.heap.length = 0
    this.disarm()
  }

  private arm(slot: number): void {
    this.disarm()
    this.timerAt = slot
    this.timer = this.timers.setTimeout(() => this.fire(), Math.max(0, slot - this.now()))
  }

  private disarm(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer)
    this.timer = undefined
    this.timerAt = Number.POSITIVE_INFINITY
  }

  private fire(): void {
    this.timer = undefined
    // No arming while running items: the next wakeup is chosen once, after the loop.
    this.timerAt = Number.NEGATIVE_INFINITY
    const now = this.now()
    const heap = this.heap
    while (heap.length > 0 && (heap[0] as number) <= now) {
      const slot = heapPop(heap)
      const set = this.slots.get(slot)
      if (set === undefined) continue
      this.firing = slot
      for (const item of set) {
        set.delete(item)
        this.slotOf.delete(item)
        this.onDue(item, slot)
      }
      this.slots.delete(slot)
    }
    this.firing = Number.NEGATIVE_INFINITY
    this.timerAt = Number.POSITIVE_INFINITY
    // Skip slots emptied by cancel, then wake for the next one.
    while (heap.length > 0 && this.slots.get(heap[0] as number) === undefined) heapPop(heap)
    if (heap.length > 0) this.arm(heap[0] as number)
  }
}

function heapPush(heap: number[], value: number): void {
  let i = heap.length
  heap.push(value)
  while (i > 0) {
    const parent = (i - 1) >> 1
    if ((heap[parent] as number) <= value) break
    heap[i] = heap[parent] as number
    i = parent
  }
  heap[i] = value
}

function heapPop(heap: number[]): number {
  const top = heap[0] as number
  const last = heap.pop() as number
  const n = heap.length
  if (n > 0) {
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      if (l >= n) break
      const r = l + 1
      const c = r < n && (heap[r] as number) < (heap[l] as number) ? r : l
      if ((heap[c] as number) >= last) break
      heap[i] = heap[c] as number
      i = c
    }
    heap[i] = last
  }
  return top
}
