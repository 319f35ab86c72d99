import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey, PublicKey } from '@libp2p/interface'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import type { SignFn, VerifyFn } from '../../crdt/signing.ts'
import { GrapevineError } from '../errors.ts'

/**
 * The agent's identity: one Ed25519 key, persisted as protobuf (mode 0600) in the data dir. It is
 * the libp2p peer id, the record origin, and the key every catalog record is signed with.
 * A key file that exists but does not parse is an error, never silently replaced: replacing it
 * would orphan every record this node owns under its old origin.
 */

export const IDENTITY_FILE = 'peer.key'

export interface Identity {
  readonly privateKey: PrivateKey
  /** The peer id in string form: this agent's record origin. */
  readonly origin: string
  /** True when the key was generated on this call (first start). */
  readonly created: boolean
}

function isMissing(e: unknown): boolean {
  return (e as NodeJS.ErrnoException | undefined)?.code === 'ENOENT'
}

/** Load the key at `path`, or create (and persist) a new one when the file does not exist. */
export async function loadOrCreateIdentity(path: string): Promise<Identity> {
  let bytes: Uint8Array | undefined
  try {
    bytes = await readFile(path)
  } catch (e) {
    if (!isMissing(e)) {
      throw new GrapevineError(
        'STATE_UNREADABLE',
        `cannot read the identity key ${path}: check its permissions`,
        {
          path,
        },
        { cause: e },
      )
    }
  }
  if (bytes !== undefined) {
    let privateKey: PrivateKey
    try {
      privateKey = privateKeyFromProtobuf(bytes)
    } catch (e) {
      throw new GrapevineError(
        'STATE_CORRUPT',
        `the identity key ${path} is corrupt; restore it from a backup, or delete it to start this node ` +
          'under a new peer id (its old records then age out of the fleet)',
        { path },
        { cause: e },
      )
    }
    if (privateKey.type !== 'Ed25519') {
      throw new GrapevineError(
        'STATE_CORRUPT',
        `the identity key ${path} is ${privateKey.type}, not Ed25519`,
        {
          path,
        },
      )
    }
    return { privateKey, origin: peerIdFromPrivateKey(privateKey).toString(), created: false }
  }
  const privateKey = await generateKeyPair('Ed25519')
  await mkdir(dirname(path), { recursive: true })
  await writeFile(path, privateKeyToProtobuf(privateKey), { mode: 0o600, flag: 'wx' })
  return { privateKey, origin: peerIdFromPrivateKey(privateKey).toString(), created: true }
}

/** A fresh in-memory identity (tests, ephemeral agents). */
export async function createEphemeralIdentity(): Promise<Identity> {
  const privateKey = await generateKeyPair('Ed25519')
  return { privateKey, origin: peerIdFromPrivateKey(privateKey).toString(), created: true }
}

/**
 * The catalog's `SignFn` for this key. Ed25519 signing in @libp2p/crypto 5 is synchronous on Node
 * (node:crypto), although its type allows a promise; a promise here would mean a key type we do
 * not support, so it is an error rather than a silent unsigned record.
 */
export function signerFor(privateKey: PrivateKey): SignFn {
  return (bytes) => {
    const sig = privateKey.sign(bytes)
    if (sig instanceof Uint8Array) return sig
    throw new GrapevineError('INTERNAL', `key type ${privateKey.type} signs asynchronously; use Ed25519`)
  }
}

/**
 * The catalog's `VerifyFn`: the origin string is an Ed25519 peer id, which embeds its public key.
 * Public keys are cached per origin, and successful verifications are remembered (bounded) so
 * that a record checked by the gossip validator is not verified a second time on merge.
 */
export function createVerifier(opts: { cacheSize?: number } = {}): VerifyFn {
  const cacheSize = opts.cacheSize ?? 20_000
  const keys = new Map<string, PublicKey | null>()
  const verified = new Set<string>()
  const decoder = new TextDecoder()
  const publicKeyOf = (origin: string): PublicKey | null => {
    let key = keys.get(origin)
    if (key === undefined) {
      try {
        key = peerIdFromString(origin).publicKey ?? null
      } catch {
        key = null
      }
      if (keys.size >= cacheSize) keys.clear()
      keys.set(origin, key)
    }
    return key
  }
  return (origin, bytes, sig) => {
    const memo = `${origin}\u0000${Buffer.from(sig).toString('base64')}\u0000${decoder.decode(bytes)}`
    if (verified.has(memo)) return true
    const key = publicKeyOf(origin)
    if (key === null) return false
    let ok: boolean | Promise<boolean>
    try {
      ok = key.verify(bytes, sig)
    } catch {
      return false
    }
    if (ok !== true) return false
    if (verified.size >= cacheSize) {
      const first = verified.values().next()
      if (first.done !== true) verified.delete(first.value)
    }
    verified.add(memo)
    return true
  }
}
