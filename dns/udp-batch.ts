import { createRequire } from 'node:module'

/**
 * The batched UDP addon (dns/native/batch_udp.c): recvmmsg/sendmmsg on the event loop, one
 * JavaScript call per batch of datagrams instead of one per datagram. Built at install by
 * dns/native/build.ts when a compiler is there; when it is not (or off Linux, or with
 * GRAPEVINE_DNS_UDP_IO=dgram) the listener uses node:dgram and answers the same.
 */

export interface BatchSocket {
  readonly handle: unknown
  readonly port: number
  /** `batch` slots of `slot` bytes: datagram i starts at i × slot. */
  readonly input: ArrayBuffer
  /** `metaFields` int32 per datagram: length, family (4|6), port, flags (1 = longer than a slot). */
  readonly meta: Int32Array
  readonly batch: number
  readonly slot: number
  readonly metaFields: number
}

export interface BatchUdpAddon {
  open(family: 4 | 6, host: string, port: number, rcvbuf: number, onBatch: (n: number) => void): BatchSocket
  /** During onBatch only: `n` triples (datagram index, offset in out, length) in `plan`. */
  reply(handle: unknown, out: Uint8Array, plan: Int32Array, n: number): number
  /** Any time: one datagram; returns 0 or an errno. */
  sendTo(handle: unknown, bytes: Uint8Array, host: string, port: number): number
  /** During onBatch only: datagram i's source address. */
  address(handle: unknown, i: number): string
  close(handle: unknown): void
}

export type UdpIo = 'batch' | 'dgram'

let loaded: { addon: BatchUdpAddon | undefined; reason: string } | undefined

/** The addon, or why not (not built, failed to load, or turned off by GRAPEVINE_DNS_UDP_IO=dgram). */
export function batchUdp(env: NodeJS.ProcessEnv = process.env): {
  addon: BatchUdpAddon | undefined
  reason: string
} {
  const wanted = env.GRAPEVINE_DNS_UDP_IO
  if (wanted === 'dgram') return { addon: undefined, reason: 'GRAPEVINE_DNS_UDP_IO=dgram' }
  if (loaded === undefined) {
    try {
      const require = createRequire(import.meta.url)
      loaded = {
        addon: require('./native/build/Release/batch_udp.node') as BatchUdpAddon,
        reason: 'recvmmsg/sendmmsg addon',
      }
    } catch (err) {
      loaded = {
        addon: undefined,
        reason: `addon not loaded (${(err as Error).message.split('\n')[0]}); run npm run build:native`,
      }
    }
  }
  if (wanted === 'batch' && loaded.addon === undefined) {
    throw new Error(`GRAPEVINE_DNS_UDP_IO=batch but the batched UDP addon is unavailable: ${loaded.reason}`)
  }
  return loaded
}
