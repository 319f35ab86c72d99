import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import {
  expectedConfirmations,
  MEMBER_TIMING_PRESETS,
  type Member,
  type MemberInput,
  type MemberTiming,
  newMember,
  suspicionBounds,
  suspicionTimeout,
  transition,
} from '../../../agent/gossip/membership-state.ts'

/**
 * Lifeguard's dynamic suspicion timeout in the pure machine: a suspect becomes unreachable after
 * max(min, max − (max − min)·log(C + 1)/log(K + 1)) as a suspect once this observer's own ping
 * failed, C the confirmations beyond this first observer (distinct accusers of its current
 * incarnation), K = min(3, members − 2). With a refused dial (strong evidence) min = evidenceAfter
 * and max = unreachableAfter; on unanswered pings alone (weak) min = unreachableAfter and
 * max = 3 × unreachableAfter. Every case runs with both.
 */

const T0 = 1_000_000
const INC = 4

/**
 * A member this observer heard at T0 (incarnation INC), made suspect at T0 + 1 with a slow beat
 * by a routine probe that failed (`refused`: its dial was refused).
 */
function suspect(timing: MemberTiming, refused: boolean): Member {
  let m = newMember(T0)
  // A slow announced beat keeps the silence path (unreachableAfter × stretch) out of the way.
  m = transition(
    m,
    { type: 'heartbeat', incarnation: INC, seq: 1, every: 100 * timing.heartbeatMs },
    T0,
    timing,
  )
  m = transition(m, { type: 'probe-failed', refused }, T0 + 1, timing)
  assert.equal(m.state, 'suspect')
  return m
}

/** `m` after the inputs (at `at`), then a tick at `now` for a fleet of `members`. */
function stateAt(
  m: Member,
  inputs: readonly MemberInput[],
  at: number,
  now: number,
  members: number,
  t: MemberTiming,
) {
  let next = m
  for (const input of inputs) next = transition(next, input, at, t)
  return transition(next, { type: 'tick', members }, now, t).state
}

const accuse = (from: string, incarnation = INC): MemberInput => ({ type: 'accused', incarnation, from })

/** A member made suspect by accusations only (our own ping has not failed). */
function accusedSuspect(timing: MemberTiming, from: string): Member {
  let m = newMember(T0)
  m = transition(
    m,
    { type: 'heartbeat', incarnation: INC, seq: 1, every: 100 * timing.heartbeatMs },
    T0,
    timing,
  )
  m = transition(m, accuse(from), T0, timing)
  m = transition(m, { type: 'tick', members: 20 }, T0 + timing.evidenceAfterMs + 1, timing)
  assert.equal(m.state, 'suspect')
  return m
}

for (const [[preset, t], strong] of Object.entries(MEMBER_TIMING_PRESETS).flatMap((p) =>
  [true, false].map((strong) => [p, strong] as const),
)) {
  const { min, max } = suspicionBounds(strong, t)
  const evidence = strong ? 'refused dial' : 'unanswered pings'
  const S = T0 + 1 // when `suspect(t, strong)` became suspect
  const suspectNow = () => suspect(t, strong)
  const timeoutOf = (confirmations: number, expected: number) =>
    suspicionTimeout(confirmations, expected, t, strong)

  describe(`suspicion timeout (${preset}, ${evidence}: min ${min} ms, max ${max} ms)`, () => {
    const cases: Array<{
      name: string
      inputs: MemberInput[]
      members: number
      after: number
      want: Member['state']
    }> = [
      {
        name: 'own failed ping alone: suspect just before the max',
        inputs: [],
        members: 20,
        after: max - 1,
        want: 'suspect',
      },
      {
        name: 'own failed ping alone: unreachable at the max',
        inputs: [],
        members: 20,
        after: max,
        want: 'unreachable',
      },
      {
        name: 'own failed ping and a lost link are still one observer',
        inputs: [{ type: 'link-lost' }, { type: 'ping-failed' }],
        members: 20,
        after: max - 1,
        want: 'suspect',
      },
      {
        name: 'own ping plus K = 3 distinct accusers: unreachable at the min',
        inputs: [accuse('a'), accuse('b'), accuse('c')],
        members: 20,
        after: min,
        want: 'unreachable',
      },
      {
        name: 'own ping plus K = 3 distinct accusers: not before the min (the window to refute)',
        inputs: [accuse('a'), accuse('b'), accuse('c')],
        members: 20,
        after: min - 1,
        want: 'suspect',
      },
      {
        name: 'the same accuser three times counts once: not at the min',
        inputs: [accuse('a'), accuse('a'), accuse('a')],
        members: 20,
        after: min,
        want: 'suspect',
      },
      {
        name: 'the same accuser three times counts once: at the one-confirmation timeout',
        inputs: [accuse('a'), accuse('a'), accuse('a')],
        members: 20,
        after: Math.ceil(timeoutOf(1, 3)),
        want: 'unreachable',
      },
      {
        name: 'accusations of an older incarnation do not count',
        inputs: [accuse('a', INC - 1), accuse('b', INC - 1), accuse('c', INC - 1)],
        members: 20,
        after: max - 1,
        want: 'suspect',
      },
      {
        name: 'a newer incarnation accused replaces the older accusers',
        inputs: [accuse('a'), accuse('b'), accuse('c', INC + 1)],
        members: 20,
        after: min,
        want: 'suspect',
      },
      {
        name: 'in a fleet of four, K = 2: own ping plus two accusers reach the min',
        inputs: [accuse('a'), accuse('b')],
        members: 4,
        after: min,
        want: 'unreachable',
      },
      {
        name: 'in a fleet of two nobody can confirm (K = 0): own ping waits the max',
        inputs: [],
        members: 2,
        after: max - 1,
        want: 'suspect',
      },
      {
        name: 'a heartbeat refutes even with every confirmation in',
        inputs: [accuse('a'), accuse('b'), accuse('c'), { type: 'heartbeat', incarnation: INC, seq: 2 }],
        members: 20,
        after: max,
        want: 'alive',
      },
      {
        name: 'an answered ping refutes even with every confirmation in',
        inputs: [accuse('a'), accuse('b'), accuse('c'), { type: 'ping-ok' }],
        members: 20,
        after: max,
        want: 'alive',
      },
    ]
    for (const c of cases) {
      it(c.name, () => {
        assert.equal(stateAt(suspectNow(), c.inputs, S, S + c.after, c.members, t), c.want)
      })
    }

    it('a refused dial (the redial after a lost link) makes any suspicion strong', () => {
      const strongMin = t.evidenceAfterMs
      const inputs = [{ type: 'link-lost', refused: true } as const, accuse('a'), accuse('b'), accuse('c')]
      assert.equal(stateAt(suspectNow(), inputs, S, S + strongMin, 20, t), 'unreachable')
      if (!strong) {
        const unrefused = [{ type: 'link-lost' } as const, accuse('a'), accuse('b'), accuse('c')]
        assert.equal(stateAt(suspectNow(), unrefused, S, S + strongMin, 20, t), 'suspect', 'control')
      }
    })

    it('accusers without our own failed ping never confirm: only silence does', () => {
      const m = accusedSuspect(t, 'a')
      const inputs = [accuse('b'), accuse('c'), accuse('d')]
      assert.equal(stateAt(m, inputs, m.since, m.since + 10 * max, 20, t), 'suspect')
      const confirmed = [...inputs, { type: 'ping-failed', refused: strong } as const]
      assert.equal(stateAt(m, confirmed, m.since, m.since + min, 20, t), 'unreachable')
    })

    it('a stall of this observer does not run the suspicion timer', () => {
      const m = suspectNow()
      // Past the max as a suspect, but a second of that was our own stall.
      const now = S + max + 200
      const stalled = transition(m, { type: 'rebase', stalledMs: 1_000 }, now, t)
      assert.equal(stalled.state, 'suspect')
      assert.equal(transition(m, { type: 'tick', members: 20 }, now, t).state, 'unreachable', 'control')
      assert.equal(transition(stalled, { type: 'tick', members: 20 }, now, t).state, 'suspect')
      assert.equal(
        transition(stalled, { type: 'tick', members: 20 }, stalled.since + max, t).state,
        'unreachable',
      )
    })
  })

  describe(`suspicion timeout (${preset}, ${evidence}): properties`, () => {
    it('shrinks logarithmically: one confirmation of three expected is half-way (log 2 / log 4)', () => {
      const close = (a: number, b: number) => Math.abs(a - b) < 1e-9
      assert.ok(close(timeoutOf(1, 3), (max + min) / 2))
      assert.ok(close(timeoutOf(2, 3), max - ((max - min) * Math.log(3)) / Math.log(4)))
      assert.ok(close(timeoutOf(1, 1), min))
      assert.equal(timeoutOf(5, 0), max, 'K = 0: nobody can confirm')
    })

    it('starts at the max with no confirmation and ends at the min with K or more', () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 0, max: 10 }), (k, extra) => {
          return timeoutOf(0, k) === max && timeoutOf(k + extra, k) === min
        }),
      )
    })

    it('more confirmations never lengthen it, and it stays within [min, max]', () => {
      fc.assert(
        fc.property(fc.nat(20), fc.nat(20), fc.nat(6), (a, b, k) => {
          const [few, many] = a <= b ? [a, b] : [b, a]
          const shorter = timeoutOf(many, k)
          return shorter <= timeoutOf(few, k) && shorter >= min && shorter <= max
        }),
      )
    })

    it('any accusations in any order: unreachable exactly once the timeout of the distinct confirmations ran out', () => {
      const accusation = fc.record({
        from: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
        incarnation: fc.integer({ min: INC - 1, max: INC }),
      })
      fc.assert(
        fc.property(
          fc.array(accusation, { maxLength: 12 }),
          fc.integer({ min: 2, max: 30 }),
          (accs, members) => {
            const inputs = accs.map((a) => accuse(a.from, a.incarnation))
            const distinct = new Set(accs.filter((a) => a.incarnation === INC).map((a) => a.from)).size
            const timeout = Math.ceil(timeoutOf(distinct, expectedConfirmations(members)))
            return (
              stateAt(suspectNow(), inputs, S, S + timeout - 1, members, t) === 'suspect' &&
              stateAt(suspectNow(), inputs, S, S + timeout, members, t) === 'unreachable'
            )
          },
        ),
      )
    })

    it('a heartbeat of the current life refutes at any point of a suspicion', () => {
      fc.assert(
        fc.property(
          fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 6 }),
          fc.integer({ min: 0, max: max - 1 }),
          (froms, at) => {
            let m = suspectNow()
            for (const from of froms) m = transition(m, accuse(from), S, t)
            m = transition(m, { type: 'tick', members: 20 }, S + at, t)
            if (m.state !== 'suspect') return true // already confirmed before `at`: nothing to refute
            m = transition(m, { type: 'heartbeat', incarnation: INC, seq: 2 }, S + at, t)
            // Refuted: alive, with no accusation or failed ping left to shorten a new suspicion.
            return m.state === 'alive' && m.accusers.length === 0 && !m.pingFailed
          },
        ),
      )
    })
  })
}
