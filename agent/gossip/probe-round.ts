/**
 * SWIM's probe order: every member once per round, in a fresh random order each round
 * (Fisher–Yates), so a dead member is probed by someone within about a round whatever the fleet
 * size, and no member is probed twice before every other was probed once.
 */
export class ProbeRound {
  private readonly random: () => number
  private order: string[] = []
  private cursor = 0

  /** `random`: uniform in [0, 1). */
  constructor(random: () => number) {
    this.random = random
  }

  /**
   * The next member of the current round that `eligible` accepts; at the end of a round, a new
   * one over `members`, searched once more. Undefined when no member is eligible.
   */
  next(members: Iterable<string>, eligible: (member: string) => boolean): string | undefined {
    for (let tries = 0; tries < 2; tries++) {
      while (this.cursor < this.order.length) {
        const member = this.order[this.cursor++] as string
        if (eligible(member)) return member
      }
      const order = [...members]
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(this.random() * (i + 1))
        ;[order[i], order[j]] = [order[j] as string, order[i] as string]
      }
      this.order = order
      this.cursor = 0
    }
    return undefined
  }
}
