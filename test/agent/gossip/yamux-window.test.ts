import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { StreamState, YamuxStream } from '@chainsafe/libp2p-yamux/stream'
import { installHalfWindowUpdates, windowUpdateDue } from '../../../agent/gossip/yamux-window.ts'

/** yamux frame types (frame.js is not exported by the package): Data 0, WindowUpdate 1. */
const DATA = 0
const WINDOW_UPDATE = 1
const WINDOW = 256 * 1024

interface SentHeader {
  type: number
  flag: number
  streamID: number
  length: number
}

const silent = Object.assign(() => {}, {
  enabled: false,
  trace: () => {},
  error: () => {},
  newScope: () => silent,
})

/** A real YamuxStream whose outgoing frames are recorded instead of sent. */
function stream(state = StreamState.Established): { s: YamuxStream; sent: SentHeader[] } {
  const sent: SentHeader[] = []
  const s = new YamuxStream({
    id: '1',
    streamId: 1,
    state,
    direction: 'inbound',
    log: silent as never,
    getRTT: () => -1,
    sendFrame: (header) => {
      sent.push(header as SentHeader)
      return true
    },
  })
  return { s, sent }
}

function receive(s: YamuxStream, bytes: number, times = 1): void {
  for (let i = 0; i < times; i++) {
    s.handleData({
      header: { type: DATA, flag: 0, streamID: 1, length: bytes } as never,
      data: new Uint8Array(bytes) as never,
    })
  }
}

const updates = (sent: SentHeader[]): SentHeader[] => sent.filter((h) => h.type === WINDOW_UPDATE)

describe('windowUpdateDue', () => {
  const cases: Array<[number, number, boolean]> = [
    [WINDOW, WINDOW, false], // untouched
    [WINDOW, WINDOW - 1, false],
    [WINDOW, WINDOW / 2 + 1, false],
    [WINDOW, WINDOW / 2, true], // half consumed
    [WINDOW, 0, true],
  ]
  for (const [window, capacity, due] of cases) {
    it(`window ${window}, capacity ${capacity} → ${due}`, () =>
      assert.equal(windowUpdateDue(window, capacity), due))
  }
})

describe('yamux window updates', () => {
  // Order matters: the library's own behaviour first, then the same traffic with ours installed.
  it('the library alone answers every data frame with a window update (why the policy exists)', () => {
    const { s, sent } = stream()
    receive(s, 100, 10)
    // If this fails, @chainsafe/libp2p-yamux changed its policy: agent/gossip/yamux-window.ts may go.
    assert.equal(updates(sent).length, 10)
  })

  it('installed: small frames send no update until half the window is consumed, then one for all of it', () => {
    installHalfWindowUpdates()
    installHalfWindowUpdates() // idempotent
    const { s, sent } = stream()
    receive(s, 1_000, 100)
    assert.equal(updates(sent).length, 0)
    receive(s, WINDOW / 2 - 100_000)
    const [update, ...more] = updates(sent)
    assert.deepEqual(more, [])
    assert.equal(update?.length, WINDOW / 2, 'the update returns every byte consumed so far')
    assert.equal(update?.flag, 0)
    // The credit is restored: the next small frame is quiet again.
    receive(s, 1_000)
    assert.equal(updates(sent).length, 1)
  })

  it('installed: a stream being acknowledged still sends its ACK at once', () => {
    const { s, sent } = stream(StreamState.SYNReceived)
    receive(s, 100)
    const [ack] = updates(sent)
    assert.ok(ack !== undefined, 'the first frame is answered with the ACK-carrying window update')
    assert.equal(ack.flag & 0x2, 0x2, 'ACK flag set')
  })

  it('installed: a big frame past half the window is answered at once', () => {
    const { s, sent } = stream()
    receive(s, WINDOW / 2)
    assert.equal(updates(sent).length, 1)
  })
})
