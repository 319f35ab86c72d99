/**
 * Small builders for CRDT tests: valid peer ids, records and entries, and the two-way sync
 * exchange built from the catalog's own building blocks (digest + entriesNewerThan).
 */
import type { Catalog, MergeOptions } from '../../crdt/catalog.ts'
import type { Entry } from '../../crdt/entry.ts'
import type { Hlc } from '../../crdt/hlc.ts'
import { instanceKey, nodeKey } from '../../crdt/keys.ts'
import type { InstanceValue, NodeValue } from '../../crdt/schema.ts'

/** A fixed epoch for tests: 2023-11-14T22:13:20Z. */
export const T0 = 1_700_000_000_000

/** Peer ids that match PEER_ID_PATTERN (base58btc: no 0, O, I or l). */
export const PEER_A = '12D3KooWPeerAAAAAAAA'
export const PEER_B = '12D3KooWPeerBBBBBBBB'
export const PEER_C = '12D3KooWPeerCCCCCCCC'

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'

/** The n-th test peer id, valid and distinct for every n >= 0. */
export function peerId(n: number): string {
  let s = ''
  let x = n
  do {
    s = (B58[x % 58] as string) + s
    x = Math.floor(x / 58)
  } while (x > 0)
  return `12D3KooWTest${s.padStart(6, '1')}`
}

/** Merge options with no expiry and no drift limit: most tests are about order, not age. */
export const FOREVER: MergeOptions = {
  now: T0,
  horizonMs: Number.POSITIVE_INFINITY,
  maxDriftMs: Number.POSITIVE_INFINITY,
}

export function hlc(wall: number, count = 0): Hlc {
  return { wall, count }
}

export function instanceValue(id: string, overrides: Partial<InstanceValue> = {}): InstanceValue {
  return {
    kind: 'instance',
    id,
    service: 'web',
    node: 'host-1',
    address: '10.0.0.1',
    port: 8080,
    protocol: 'http',
    tags: [],
    meta: {},
    weight: 1,
    version: '',
    health: 'passing',
    checks: [],
    ...overrides,
  }
}

export function nodeValue(name: string, overrides: Partial<NodeValue> = {}): NodeValue {
  return {
    kind: 'node',
    name,
    addresses: ['10.0.0.1'],
    multiaddrs: [],
    meta: {},
    maintenance: false,
    status: 'alive',
    agentVersion: '0.1.0',
    ...overrides,
  }
}

/** An instance entry owned by `origin`; `value` null makes a tombstone. */
export function inst(
  origin: string,
  id: string,
  at: Hlc,
  value: InstanceValue | null = instanceValue(id),
  sig?: string,
): Entry {
  const base = { key: instanceKey(origin, id), origin, hlc: at, value }
  return sig === undefined ? base : { ...base, sig }
}

export function node(origin: string, at: Hlc, value: NodeValue | null = nodeValue('host-1')): Entry {
  return { key: nodeKey(origin), origin, hlc: at, value }
}

/** Keys of a list of entries, sorted: compact to assert on. */
export function keysOf(entries: Iterable<Entry>): string[] {
  return [...entries].map((e) => `${e.key}@${e.hlc.wall}.${e.hlc.count}`).sort()
}

/**
 * One two-way anti-entropy exchange: A sends its digest; B answers with what A lacks and its own
 * digest; A merges and answers with what B lacks. Returns the entries transferred each way.
 */
export function exchange(a: Catalog, b: Catalog, opts: MergeOptions): { toA: number; toB: number } {
  const digestA = a.digest()
  const forA = b.entriesNewerThan(digestA)
  const digestB = b.digest()
  a.mergeAll(forA, opts)
  const forB = a.entriesNewerThan(digestB)
  b.mergeAll(forB, opts)
  return { toA: forA.length, toB: forB.length }
}

/** True when two digests hold the same origins with the same max, count and checksum. */
export function digestsEqual(a: Catalog, b: Catalog): boolean {
  const da = a.digest()
  const db = b.digest()
  if (da.size !== db.size) return false
  for (const [origin, x] of da) {
    const y = db.get(origin)
    if (y === undefined || y.count !== x.count || y.sum !== x.sum) return false
    if (y.max.wall !== x.max.wall || y.max.count !== x.max.count) return false
  }
  return true
}
