import { StreamState, YamuxStream } from '@chainsafe/libp2p-yamux/stream'

/**
 * yamux's receive-window updates, sent when half the window is used instead of after every frame.
 *
 * @chainsafe/libp2p-yamux 8 answers every data frame it receives with a WindowUpdate frame (its
 * `sendWindowUpdate` returns early only when the window is untouched). Gossip traffic is small
 * frames on long-lived streams, so every received message cost a second frame back: one more
 * noise encryption, one more socket write here and one more decryption on the sender. That was
 * about a fifth of an idle agent's CPU in a 50-agent fleet on one host. hashicorp/yamux (Go) and
 * rust-yamux send an update only once at least half of the receive window has been consumed; the
 * sender never stalls meanwhile, since it still holds the other half of its credit.
 *
 * Installed once, process-wide, on the class the package exports (`/stream`). Streams that are
 * not established (opening, acknowledging, paused) keep the library's behaviour, which carries
 * their SYN/ACK flags and pause bookkeeping. If a future version renames the fields read here, the
 * check fails open to the library's own policy, and test/agent/gossip/yamux-window.test.ts goes red.
 */

interface WindowFields {
  state: StreamState
  recvWindow: unknown
  recvWindowCapacity: unknown
}

let installed = false

/** True once a window update is due: half the receive window (or more) has been consumed. */
export function windowUpdateDue(recvWindow: number, recvWindowCapacity: number): boolean {
  return recvWindow - recvWindowCapacity >= recvWindow / 2
}

export function installHalfWindowUpdates(): void {
  if (installed) return
  installed = true
  const proto = YamuxStream.prototype as unknown as { sendWindowUpdate?: (this: WindowFields) => void }
  const eager = proto.sendWindowUpdate
  if (typeof eager !== 'function') return
  proto.sendWindowUpdate = function sendWindowUpdate(this: WindowFields): void {
    const { state, recvWindow, recvWindowCapacity } = this
    if (
      state === StreamState.Established &&
      typeof recvWindow === 'number' &&
      typeof recvWindowCapacity === 'number' &&
      !windowUpdateDue(recvWindow, recvWindowCapacity)
    ) {
      return
    }
    eager.call(this)
  }
}
