import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { formatDuration, MAX_DURATION_MS, parseDuration } from '../../../agent/health/duration.ts'

describe('parseDuration', () => {
  const good: Array<[unknown, number]> = [
    ['10s', 10_000],
    ['1m30s', 90_000],
    ['500ms', 500],
    ['1h', 3_600_000],
    ['1.5s', 1_500],
    ['2h45m', 9_900_000],
    ['1500us', 2],
    ['1500µs', 2],
    ['2000000ns', 2],
    ['0', 0],
    ['0s', 0],
    [' 5s ', 5_000],
    [0, 0],
    [250, 250],
    [MAX_DURATION_MS, MAX_DURATION_MS],
  ]
  for (const [input, ms] of good) {
    it(`${JSON.stringify(input)} -> ${ms} ms`, () => {
      assert.deepEqual(parseDuration(input), { ok: true, value: ms })
    })
  }
  const bad: unknown[] = [
    '',
    '10',
    '10x',
    's',
    '-5s',
    '1m 30s',
    '1.s',
    'ten seconds',
    -1,
    1.5,
    null,
    {},
    true,
    '999h',
  ]
  for (const input of bad) {
    it(`rejects ${JSON.stringify(input)} with a message`, () => {
      const r = parseDuration(input)
      assert.equal(r.ok, false)
      if (!r.ok) assert.ok(r.error.length > 10, r.error)
    })
  }
  it('rejects integers past the timer limit', () => {
    assert.equal(parseDuration(MAX_DURATION_MS + 1).ok, false)
  })
})

describe('formatDuration', () => {
  const table: Array<[number, string]> = [
    [0, '0s'],
    [500, '500ms'],
    [1_000, '1s'],
    [1_500, '1.5s'],
    [90_000, '1m30s'],
    [3_600_000, '1h'],
    [3_661_000, '1h1m1s'],
  ]
  for (const [ms, text] of table) {
    it(`${ms} -> ${text}`, () => {
      assert.equal(formatDuration(ms), text)
      const back = parseDuration(text)
      assert.deepEqual(back, { ok: true, value: ms })
    })
  }
})
