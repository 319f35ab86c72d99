import { canonicalJson } from './canonical.ts'
import type { Entry } from './entry.ts'

/**
 * Signing hooks. The crypto lives in agent/ (libp2p keys); here are the bytes that get signed
 * and the rule that checks them, with the sign/verify functions passed in.
 *
 * A signature covers `grapevine/entry/1` + key + origin + hlc + value, so it binds a record
 * to its owner and version: a relaying peer cannot alter, re-date or re-attribute it.
 */
export type SignFn = (bytes: Uint8Array) => Uint8Array
/** Verify `sig` over `bytes` against the public key of `origin` (a peer id). */
export type VerifyFn = (origin: string, bytes: Uint8Array, sig: Uint8Array) => boolean

const encoder = new TextEncoder()

export function signingBytes(entry: Entry): Uint8Array {
  return encoder.encode(
    `grapevine/entry/1\n${canonicalJson([entry.key, entry.origin, entry.hlc.wall, entry.hlc.count, entry.value])}`,
  )
}

export function signEntry(entry: Entry, sign: SignFn): Entry {
  const { sig: _drop, ...unsigned } = entry
  return { ...unsigned, sig: bytesToBase64(sign(signingBytes(unsigned))) }
}

export function verifyEntry(entry: Entry, verify: VerifyFn): boolean {
  if (entry.sig === undefined) return false
  const sig = base64ToBytes(entry.sig)
  if (sig === undefined) return false
  return verify(entry.origin, signingBytes(entry), sig)
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

/** Standard base64 with padding (pure: no Buffer, no atob). */
export function bytesToBase64(bytes: Uint8Array): string {
  let out = ''
  let i = 0
  for (; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number)
    out +=
      ALPHABET[(n >> 18) & 63]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!
  }
  const rest = bytes.length - i
  if (rest === 1) {
    const n = (bytes[i] as number) << 16
    out += `${ALPHABET[(n >> 18) & 63]}${ALPHABET[(n >> 12) & 63]}==`
  } else if (rest === 2) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8)
    out += `${ALPHABET[(n >> 18) & 63]}${ALPHABET[(n >> 12) & 63]}${ALPHABET[(n >> 6) & 63]}=`
  }
  return out
}

/** Decode standard base64; `undefined` for anything malformed. */
export function base64ToBytes(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0) return undefined
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0
  const out = new Uint8Array((text.length / 4) * 3 - pad)
  let o = 0
  for (let i = 0; i < text.length; i += 4) {
    let n = 0
    for (let j = 0; j < 4; j++) {
      const c = text[i + j] as string
      const isPad = c === '=' && i + j >= text.length - pad
      const v = isPad ? 0 : ALPHABET.indexOf(c)
      if (v < 0) return undefined
      n = (n << 6) | v
    }
    if (o < out.length) out[o++] = (n >> 16) & 255
    if (o < out.length) out[o++] = (n >> 8) & 255
    if (o < out.length) out[o++] = n & 255
    // Canonical form only: the bits after the last byte must be zero, so each byte string has
    // exactly one encoding and a relay cannot re-spell a signature without breaking it.
    if (i + 4 === text.length && pad > 0 && (n & (pad === 2 ? 0xffff : 0xff)) !== 0) return undefined
  }
  return out
}
