import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { TtlCheckSpec } from '../../../agent/health/check-spec.ts'
import { ttlExpiry, ttlReport, ttlStart, ttlStatus } from '../../../agent/health/ttl.ts'
import { validateCheck } from '../../../agent/health/validate-check.ts'

const r = validateCheck({ type: 'ttl', ttl: '30s', id: 't' }, { scriptChecksEnabled: false })
assert.ok(r.ok && r.value.type === 'ttl')
const spec = r.value as TtlCheckSpec

describe('ttl', () => {
  it('maps report words', () => {
    assert.deepEqual((['pass', 'warn', 'fail', 'passing', 'warning', 'critical'] as const).map(ttlStatus), [
      'passing',
      'warning',
      'critical',
      'passing',
      'warning',
      'critical',
    ])
  })
  it('starts with a deadline one ttl ahead, from the injected clock', () => {
    assert.deepEqual(ttlStart(spec, 1000), { deadline: 31_000 })
  })
  it('a report moves the deadline and carries the note', () => {
    const { result, ttl } = ttlReport(spec, 'warn', 'disk 91%', 5_000)
    assert.deepEqual(result, { status: 'warning', output: 'disk 91%' })
    assert.deepEqual(ttl, { deadline: 35_000, lastReport: 5_000 })
  })
  it('silence before the deadline is nothing; at the deadline it is critical, saying why', () => {
    const ttl = { deadline: 35_000, lastReport: 5_000 }
    assert.equal(ttlExpiry(spec, ttl, 34_999), undefined)
    const out = ttlExpiry(spec, ttl, 35_000)
    assert.equal(out?.status, 'critical')
    assert.match(out?.output ?? '', /TTL expired: no status update within 30s \(last report 30s ago\)/)
    assert.match(
      ttlExpiry(spec, { deadline: 10 }, 10)?.output ?? '',
      /no report since the check was registered/,
    )
  })
})
