import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { buildNodeValue, dialableAddrs } from '../../../agent/gossip/node-record.ts'
import type { NodeValue } from '../../../crdt/schema.ts'

const ME = '12D3KooWDzH8o8YwesKYh7uepEPnRfC1C6nvtnudpBMkigVsme51'
const OTHER = '12D3KooWAMShQYec5ndAhcbiKRZNh5tK5Vok5cVQxKAVF4irVBrG'

function record(multiaddrs: string[], status: NodeValue['status'] = 'alive'): NodeValue {
  return buildNodeValue({ name: 'n1' }, multiaddrs, status)
}

describe('dialableAddrs: where a member says it can be dialled', () => {
  const mine = `/ip4/127.0.0.1/tcp/7950/p2p/${ME}`
  const cases: Array<{ name: string; value: NodeValue | null | undefined; want: string[] }> = [
    { name: 'its own addresses', value: record([mine]), want: [mine] },
    {
      name: 'not an address naming another peer',
      value: record([mine, `/ip4/10.0.0.1/tcp/1/p2p/${OTHER}`]),
      want: [mine],
    },
    { name: 'not one without a peer id', value: record(['/ip4/10.0.0.1/tcp/7950', mine]), want: [mine] },
    { name: 'a malformed one is skipped', value: record([`/nonsense/p2p/${ME}`, mine]), want: [mine] },
    { name: 'none once it left', value: record([mine], 'left'), want: [] },
    { name: 'none without a record', value: undefined, want: [] },
    { name: 'none for a deleted record', value: null, want: [] },
  ]
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(
        dialableAddrs(c.value, ME).map((a) => a.toString()),
        c.want,
      )
    })
  }
})
