import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { aggregateHealth, type MaintenanceFlags } from '../../../agent/health/aggregate.ts'
import type { CheckStatus, Health } from '../../../crdt/schema.ts'

describe('aggregateHealth', () => {
  const table: Array<[CheckStatus[], MaintenanceFlags, Health]> = [
    [[], {}, 'passing'],
    [['passing'], {}, 'passing'],
    [['passing', 'warning'], {}, 'warning'],
    [['warning', 'passing', 'critical'], {}, 'critical'],
    [['critical', 'warning'], {}, 'critical'],
    [['passing', 'passing'], { instance: false, node: false }, 'passing'],
    [['critical'], { instance: true }, 'maintenance'],
    [['passing'], { node: true }, 'maintenance'],
    [[], { node: true, instance: true }, 'maintenance'],
    [['warning'], { instance: false, node: true }, 'maintenance'],
  ]
  for (const [statuses, flags, want] of table) {
    it(`${JSON.stringify(statuses)} ${JSON.stringify(flags)} -> ${want}`, () => {
      assert.equal(aggregateHealth(statuses, flags), want)
    })
  }
})
