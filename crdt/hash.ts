/**
 * 64-bit checksum of a string as two independent 32-bit FNV-1a hashes (different offset bases).
 * Not cryptographic: it detects divergence between honest replicas in a digest. XOR of entry
 * hashes is order-independent and can be updated incrementally when an entry is replaced.
 */
export interface Hash64 {
  hi: number
  lo: number
}

export function hashString(s: string): Hash64 {
  let hi = 0x811c9dc5
  let lo = 0x050c5d1f
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    hi = Math.imul(hi ^ c, 0x01000193) >>> 0
    lo = Math.imul(lo ^ c, 0x01000193) >>> 0
    lo = (lo ^ (lo >>> 13)) >>> 0
  }
  return { hi, lo }
}

export function xorHash(a: Hash64, b: Hash64): Hash64 {
  return { hi: (a.hi ^ b.hi) >>> 0, lo: (a.lo ^ b.lo) >>> 0 }
}

export const HASH_ZERO: Hash64 = Object.freeze({ hi: 0, lo: 0 })

export function hashToHex(h: Hash64): string {
  return h.hi.toString(16).padStart(8, '0') + h.lo.toString(16).padStart(8, '0')
}
