import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { CheckDefinition } from '../../../agent/health/definition.ts'
import { formatDuration, MAX_DURATION_MS, parseDuration } from '../../../agent/health/duration.ts'
import { initialCheckState, transition } from '../../../agent/health/transition.ts'
import { validateCheck } from '../../../agent/health/validate-check.ts'
import type { CheckStatus } from '../../../crdt/schema.ts'

const status = fc.constantFrom<CheckStatus>('passing', 'warning', 'critical')

describe('properties', () => {
  it('formatDuration and parseDuration round-trip every whole-millisecond duration', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_DURATION_MS }), (ms) => {
        assert.deepEqual(parseDuration(formatDuration(ms)), { ok: true, value: ms })
      }),
    )
  })

  it('with every threshold 0 the shown status is the last result', () => {
    const rules = { successBeforePassing: 0, failuresBeforeWarning: 0, failuresBeforeCritical: 0 }
    fc.assert(
      fc.property(status, fc.array(status, { minLength: 1, maxLength: 50 }), (initial, results) => {
        let s = initialCheckState(initial, 0)
        for (const r of results) s = transition(s, { status: r, output: '' }, rules, 1).state
        assert.equal(s.status, results.at(-1))
      }),
    )
  })

  it('a status shows only after its threshold of consecutive results; changed is exact', () => {
    fc.assert(
      fc.property(
        status,
        fc.array(status, { maxLength: 60 }),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 0, max: 5 }),
        (initial, results, sbp, fbw0, fbc) => {
          const rules = {
            successBeforePassing: sbp,
            failuresBeforeWarning: Math.min(fbw0, fbc),
            failuresBeforeCritical: fbc,
          }
          let s = initialCheckState(initial, 0)
          let run = 0
          let last: CheckStatus | undefined
          results.forEach((r, i) => {
            const isFailure = r === 'critical'
            run = last !== undefined && (last === 'critical') === isFailure ? run + 1 : 1
            last = r
            const next = transition(s, { status: r, output: String(i) }, rules, i + 1)
            assert.equal(next.changed, next.state.status !== s.status)
            if (next.state.status !== s.status) {
              if (isFailure) {
                assert.ok(run >= Math.min(rules.failuresBeforeWarning, fbc), 'failure shown too early')
                assert.ok(next.state.status === 'critical' ? run >= fbc : run >= rules.failuresBeforeWarning)
              } else {
                assert.ok(run >= sbp, 'success shown too early')
                assert.equal(next.state.status, r)
              }
              assert.equal(next.state.since, i + 1)
            }
            s = next.state
          })
        },
      ),
    )
  })

  it('validateCheck knows every field of the CheckDefinition schema', () => {
    const fields = Object.keys(CheckDefinition.properties)
    for (const field of fields) {
      const r = validateCheck(
        { type: 'tcp', target: 'h:1', [field]: Symbol('x') },
        { scriptChecksEnabled: true },
      )
      assert.ok(!r.ok)
      if (field === 'type') continue
      const problem = r.error.find((p) => p.field === field)
      assert.ok(problem !== undefined, `no problem reported for ${field}`)
      assert.doesNotMatch(problem.message, /unknown field/, `${field} is unknown to validateCheck`)
    }
  })
})
