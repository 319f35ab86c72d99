import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type ResultLine, renderReport } from './report.ts'

describe('benchmark report', () => {
  it('shows at most 10 lines of one figure per benchmark and says how many more the results file holds', () => {
    const lines: ResultLine[] = [
      { bench: 'failure', figure: 'median_ms', value: 2788, unit: 'ms', n: 20 },
      ...Array.from({ length: 25 }, (_, i) => ({
        bench: 'failure',
        figure: 'false_positive',
        value: 1000 + i,
        unit: 'ms after the kill',
        n: 50,
      })),
    ]
    const { markdown } = renderReport(lines, 'img', '2026-12-02 00:00 UTC')
    const section = markdown.slice(markdown.indexOf('## failure'))
    const rows = section.split('\n').filter((l) => l.startsWith('| false_positive |'))
    assert.equal(rows.length, 11, 'ten lines and one summary row')
    assert.match(rows[10] as string, /… 15 more \| in test\/bench\/results\/failure\.jsonl/)
    assert.match(section, /\| median_ms \| 2,788 ms \|/)
  })
})
