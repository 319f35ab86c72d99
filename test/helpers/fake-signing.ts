import type { SignFn, VerifyFn } from '../../crdt/signing.ts'

/**
 * Test signatures: 16 bytes derived from the signed bytes and the signer's name, so a record
 * signed as one origin does not verify as another. Not cryptography — real keys are tested in
 * the gossip tests.
 */
function digest(name: string, bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(16)
  let h = 2166136261
  for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0
  for (let i = 0; i < bytes.length; i++) {
    h = Math.imul(h ^ (bytes[i] as number), 16777619) >>> 0
    out[i % 16] = ((out[i % 16] as number) ^ h) & 255
  }
  return out
}

export function fakeSigner(origin: string): SignFn {
  return (bytes) => digest(origin, bytes)
}

export const fakeVerify: VerifyFn = (origin, bytes, sig) => {
  const want = digest(origin, bytes)
  return sig.length === want.length && sig.every((b, i) => b === want[i])
}

/** Peer-id-shaped origins for tests (base58btc alphabet). */
export function testOrigin(n: number): string {
  return `12D3KooWTest${'ABCDEFGHJKLMNPQRSTUVWXYZ'[n % 24]}${String(n).padStart(4, '1').replace(/0/g, 'z')}`
}
