import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { initialCheckState, type Thresholds, transition } from '../../../agent/health/transition.ts'
import type { CheckStatus } from '../../../crdt/schema.ts'

const P: CheckStatus = 'passing'
const W: CheckStatus = 'warning'
const C: CheckStatus = 'critical'

interface Row {
  readonly name: string
  readonly rules: Partial<Thresholds>
  readonly initial: CheckStatus
  /** Probe results in order. */
  readonly results: readonly CheckStatus[]
  /** Shown status after each result. */
  readonly shown: readonly CheckStatus[]
}

const rules = (r: Partial<Thresholds>): Thresholds => {
  const failuresBeforeCritical = r.failuresBeforeCritical ?? 0
  return {
    successBeforePassing: r.successBeforePassing ?? 0,
    failuresBeforeCritical,
    failuresBeforeWarning: r.failuresBeforeWarning ?? failuresBeforeCritical,
  }
}

const table: Row[] = [
  { name: 'defaults change at once', rules: {}, initial: C, results: [P, C, W, P], shown: [P, C, W, P] },
  {
    name: 'threshold 1 is the same as 0',
    rules: { successBeforePassing: 1, failuresBeforeCritical: 1 },
    initial: C,
    results: [P, C, P],
    shown: [P, C, P],
  },
  {
    name: 'successBeforePassing 3 needs three in a row',
    rules: { successBeforePassing: 3 },
    initial: C,
    results: [P, P, C, P, P, P],
    shown: [C, C, C, C, C, P],
  },
  {
    name: 'a warning result counts as a success (Consul)',
    rules: { successBeforePassing: 2 },
    initial: C,
    results: [W, P],
    shown: [C, P],
  },
  {
    name: 'failuresBeforeCritical 3 holds passing for two failures',
    rules: { failuresBeforeCritical: 3 },
    initial: P,
    results: [C, C, P, C, C, C],
    shown: [P, P, P, P, P, C],
  },
  {
    name: 'failuresBeforeWarning 1 then critical at 3',
    rules: { failuresBeforeWarning: 1, failuresBeforeCritical: 3 },
    initial: P,
    results: [C, C, C, C, P],
    shown: [W, W, C, C, P],
  },
  {
    name: 'failuresBeforeWarning 2, critical 4',
    rules: { failuresBeforeWarning: 2, failuresBeforeCritical: 4 },
    initial: P,
    results: [C, C, C, C],
    shown: [P, W, W, C],
  },
  {
    name: 'both thresholds: recovery and failure',
    rules: { successBeforePassing: 2, failuresBeforeCritical: 2 },
    initial: P,
    results: [C, C, P, C, P, P],
    shown: [P, C, C, C, C, P],
  },
  { name: 'initial passing stays on passing', rules: {}, initial: P, results: [P, P], shown: [P, P] },
  { name: 'initial warning', rules: { successBeforePassing: 2 }, initial: W, results: [P, C], shown: [W, C] },
]

describe('transition (hysteresis)', () => {
  for (const row of table) {
    it(row.name, () => {
      let state = initialCheckState(row.initial, 0)
      const shown: CheckStatus[] = []
      let t = 0
      for (const r of row.results) {
        t += 10
        const prev = state.status
        const next = transition(state, { status: r, output: `out ${t}` }, rules(row.rules), t)
        assert.equal(next.changed, next.state.status !== prev, `changed flag at t=${t}`)
        state = next.state
        shown.push(state.status)
      }
      assert.deepEqual(shown, row.shown)
    })
  }

  it('keeps output and since while below a threshold; updates them when shown', () => {
    const r = rules({ failuresBeforeCritical: 2 })
    const s0 = initialCheckState('passing', 0, 'ok')
    const s1 = transition(s0, { status: 'critical', output: 'down' }, r, 10)
    assert.equal(s1.changed, false)
    assert.equal(s1.state.output, 'ok')
    assert.equal(s1.state.since, 0)
    assert.equal(s1.state.failures, 1)
    const s2 = transition(s1.state, { status: 'critical', output: 'down again' }, r, 20)
    assert.equal(s2.changed, true)
    assert.deepEqual(s2.state, {
      status: 'critical',
      output: 'down again',
      since: 20,
      successes: 0,
      failures: 2,
    })
  })

  it('an identical result is not a change, but fresh output is kept', () => {
    const s0 = initialCheckState('passing', 0, 'a')
    const s1 = transition(s0, { status: 'passing', output: 'b' }, rules({}), 5)
    assert.equal(s1.changed, false)
    assert.equal(s1.state.since, 0)
    assert.equal(s1.state.output, 'b')
  })

  it('is pure: the input state is not modified', () => {
    const s0 = Object.freeze(initialCheckState('passing', 0))
    transition(s0, { status: 'critical', output: 'x' }, rules({ failuresBeforeCritical: 3 }), 1)
    assert.equal(s0.failures, 0)
  })
})
