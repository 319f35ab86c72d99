import type { Pubsub, PubsubMessage, Validator } from '../../../agent/gossip/gossipsub.ts'

/** An in-memory Pubsub port: records publishes, runs validators on `deliver` like gossipsub. */
export class FakePubsub implements Pubsub {
  readonly published: Array<{ topic: string; data: Uint8Array }> = []
  /** What `publish` reports as the number of recipients. */
  recipients = 1
  readonly validators = new Map<string, Validator>()
  private readonly listeners = new Set<(m: PubsubMessage) => void>()
  subscribe(): void {}
  unsubscribe(): void {}
  async publish(topic: string, data: Uint8Array): Promise<number> {
    this.published.push({ topic, data })
    return this.recipients
  }
  setValidator(topic: string, validator: Validator): void {
    this.validators.set(topic, validator)
  }
  onMessage(listener: (m: PubsubMessage) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
  score(): number {
    return 0
  }
  subscribers(): string[] {
    return []
  }
  meshPeers(): string[] {
    return []
  }
  /** Deliver as gossipsub would: validator first, then listeners on accept. */
  deliver(from: string, topic: string, data: Uint8Array): string {
    const verdict = this.validators.get(topic)?.({ from, topic, data }, from) ?? 'accept'
    if (verdict === 'accept') for (const l of this.listeners) l({ from, topic, data })
    return verdict
  }
}
