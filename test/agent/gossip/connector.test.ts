import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { looksLikePskMismatch } from '../../../agent/gossip/connector.ts'

describe('looksLikePskMismatch', () => {
  // The shapes measured when the swarm keys differ (LIBP2P-NOTES.md §4): the handshake parses
  // XSalsa20 garbage, so the error is not stable.
  const mismatch = [
    { name: 'EncryptionFailedError', message: 'Message length length too long - 3 > 2' },
    { name: 'EncryptionFailedError', message: 'The operation was aborted due to timeout' },
    { name: 'Error', message: 'read ECONNRESET' },
    { name: 'TimeoutError', message: 'The operation timed out' },
  ]
  for (const e of mismatch) {
    it(`${e.name}: ${e.message} → likely`, () => assert.equal(looksLikePskMismatch(e), true))
  }
  it('a refused connection is not a key problem', () => {
    assert.equal(
      looksLikePskMismatch({ name: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:7950' }),
      false,
    )
  })
})
