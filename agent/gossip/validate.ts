import type { Entry } from '../../crdt/entry.ts'
import { type VerifyFn, verifyEntry } from '../../crdt/signing.ts'
import {
  decodeFrame,
  type Frame,
  type HeartbeatFrame,
  type SuspectFrame,
  type WireError,
} from '../../crdt/wire.ts'

/**
 * The pure rules that decide a gossip message before gossipsub forwards it. A delta is accepted
 * only if it decodes and every entry in it is owned by the publisher (`msg.from`, whose message
 * signature gossipsub already checked) and carries a valid record signature by that owner.
 * A frame from a newer agent (unknown kind, newer version) is ignored, not punished.
 */

export type RejectReason =
  | 'malformed'
  | 'too-large'
  | 'wrong-kind'
  | 'not-owned'
  | 'foreign-origin'
  | 'bad-signature'
  | 'empty'
  | 'self-accusation'

export type Decision<F> =
  | { readonly verdict: 'accept'; readonly frame: F }
  | { readonly verdict: 'reject'; readonly reason: RejectReason; readonly detail: string }
  | { readonly verdict: 'ignore'; readonly reason: 'newer-version' | 'unknown-kind'; readonly detail: string }

function fromWireError(error: WireError): Decision<never> {
  switch (error.type) {
    case 'unsupported-version':
      return typeof error.version === 'number' && error.version > 1
        ? { verdict: 'ignore', reason: 'newer-version', detail: `wire version ${error.version}` }
        : { verdict: 'reject', reason: 'malformed', detail: `wire version ${String(error.version)}` }
    case 'unknown-kind':
      return { verdict: 'ignore', reason: 'unknown-kind', detail: `kind ${String(error.kind)}` }
    case 'too-large':
      return { verdict: 'reject', reason: 'too-large', detail: `${error.size} > ${error.max} bytes` }
    case 'not-owned':
      return { verdict: 'reject', reason: 'not-owned', detail: `${error.key} claims ${error.origin}` }
    case 'not-json':
      return { verdict: 'reject', reason: 'malformed', detail: error.detail }
    case 'invalid':
      return {
        verdict: 'reject',
        reason: 'malformed',
        detail: `${error.kind} ${error.path}: ${error.detail}`,
      }
  }
}

/** Decide a catalog delta published by `from`. */
export function decideDelta(
  data: Uint8Array,
  from: string,
  verify: VerifyFn,
  maxBytes: number,
): Decision<{ readonly entries: readonly Entry[] }> {
  const decoded = decodeFrame(data, maxBytes)
  if (!decoded.ok) return fromWireError(decoded.error)
  const frame: Frame = decoded.value
  if (frame.kind !== 'delta') {
    return { verdict: 'reject', reason: 'wrong-kind', detail: `${frame.kind} frame on the catalog topic` }
  }
  if (frame.entries.length === 0) return { verdict: 'reject', reason: 'empty', detail: 'no entries' }
  for (const entry of frame.entries) {
    if (entry.origin !== from) {
      return {
        verdict: 'reject',
        reason: 'foreign-origin',
        detail: `${entry.key} claims origin ${entry.origin}, published by ${from}`,
      }
    }
    if (!verifyEntry(entry, verify)) {
      return { verdict: 'reject', reason: 'bad-signature', detail: `${entry.key} signature does not verify` }
    }
  }
  return { verdict: 'accept', frame: { entries: frame.entries } }
}

/**
 * Decide a message on the liveness topic: a heartbeat, or an accusation (its publisher is
 * authenticated by gossipsub's message signature). Accusing yourself is meaningless: rejected.
 */
export function decideHeartbeat(data: Uint8Array, from: string): Decision<HeartbeatFrame | SuspectFrame> {
  const decoded = decodeFrame(data, 1024)
  if (!decoded.ok) return fromWireError(decoded.error)
  const frame = decoded.value
  if (frame.kind === 'suspect') {
    if (frame.origin === from) {
      return { verdict: 'reject', reason: 'self-accusation', detail: 'a node accused itself' }
    }
    return { verdict: 'accept', frame }
  }
  if (frame.kind !== 'heartbeat') {
    return { verdict: 'reject', reason: 'wrong-kind', detail: `${frame.kind} frame on the heartbeat topic` }
  }
  return { verdict: 'accept', frame }
}
