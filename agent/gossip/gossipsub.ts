import {
  type GossipSub,
  type GossipsubOpts,
  gossipsub,
  type Message,
  StrictSign,
  TopicValidatorResult,
} from '@libp2p/gossipsub'
import { createTopicScoreParams, type TopicScoreParams } from '@libp2p/gossipsub/score'

/**
 * The one module that imports `@libp2p/gossipsub` (the js-libp2p monorepo's continuation of
 * ChainSafe's gossipsub, which its maintainers call a stopgap until the ChainSafe package supports
 * libp2p 3). Everything else talks to the small `Pubsub` port below, so swapping the package later
 * touches this file only.
 */

export type Verdict = 'accept' | 'reject' | 'ignore'

export interface PubsubMessage {
  /** The original publisher (gossipsub checked its signature: StrictSign). */
  readonly from: string
  readonly topic: string
  readonly data: Uint8Array
}

/** Decides one message; runs before gossipsub forwards it. Must be synchronous and fast. */
export type Validator = (message: PubsubMessage, propagationSource: string) => Verdict

export interface Pubsub {
  subscribe(topic: string): void
  unsubscribe(topic: string): void
  publish(topic: string, data: Uint8Array): Promise<number>
  setValidator(topic: string, validator: Validator): void
  /** Messages that passed validation. Returns the unsubscribe function. */
  onMessage(listener: (message: PubsubMessage) => void): () => void
  /** The local gossipsub score of a peer (0 for unknown peers). */
  score(peer: string): number
  subscribers(topic: string): string[]
  meshPeers(topic: string): string[]
}

export interface PubsubInit {
  /** Topics whose peers are scored (invalid messages lower the sender's score). */
  readonly scoredTopics: readonly string[]
  /** Penalty weight per (invalid deliveries)²; negative. Default -20: one rejected message puts
   * the peer at the gossip threshold (-10 ... -20), two at the graylist threshold (-80). */
  readonly invalidMessageWeight?: number
  /** Mesh degree (D); Dlo/Dhi follow. Default 6 (gossipsub's). */
  readonly meshDegree?: number
}

/**
 * Topic score parameters tuned for a catalog that is quiet most of the time: no penalty for
 * delivering few messages (the default P3 would punish every idle mesh peer), a small reward for
 * first deliveries, and a real penalty (P4) for messages our validator rejects.
 */
export function topicScoreParams(invalidMessageWeight: number): TopicScoreParams {
  return createTopicScoreParams({
    topicWeight: 1,
    timeInMeshWeight: 0,
    firstMessageDeliveriesWeight: 0.1,
    firstMessageDeliveriesDecay: 0.5,
    firstMessageDeliveriesCap: 10,
    meshMessageDeliveriesWeight: 0,
    meshFailurePenaltyWeight: 0,
    invalidMessageDeliveriesWeight: invalidMessageWeight,
    invalidMessageDeliveriesDecay: 0.9,
  })
}

/** The gossipsub service factory for `createLibp2p({ services: { pubsub } })`. */
export function pubsubService(init: PubsubInit): ReturnType<typeof gossipsub> {
  const weight = init.invalidMessageWeight ?? -20
  const topics: Record<string, TopicScoreParams> = {}
  for (const t of init.scoredTopics) topics[t] = topicScoreParams(weight)
  const d = init.meshDegree ?? 6
  const opts: Partial<GossipsubOpts> = {
    globalSignaturePolicy: StrictSign,
    allowPublishToZeroTopicPeers: true,
    emitSelf: false,
    D: d,
    Dlo: Math.max(1, Math.floor((d * 2) / 3)),
    Dhi: d * 2,
    // Co-located sidecars (one host, NAT, localhost tests) share an IP: the default penalty
    // silently empties their mesh above 10 peers per IP (LIBP2P-NOTES.md §2).
    scoreParams: { IPColocationFactorWeight: 0, topics },
    // Without a fast id gossipsub verifies the signature of every duplicate (each message arrives
    // from up to D mesh peers) before noticing it has seen it: Ed25519 verification was most of
    // the CPU of a 50-node run. With StrictSign the message id is (from, seqno) anyway, and the
    // fast-id cache is only filled after a message passed validation, so a forged copy cannot
    // shadow the real one.
    fastMsgIdFn: fastMessageId,
  }
  return gossipsub(opts)
}

function fastMessageId(msg: { from?: Uint8Array; seqno?: Uint8Array; data?: Uint8Array }): string {
  if (msg.from === undefined || msg.seqno === undefined) {
    return `u:${Buffer.from(msg.data ?? new Uint8Array()).toString('base64')}`
  }
  return `${Buffer.from(msg.from).toString('base64')}:${Buffer.from(msg.seqno).toString('hex')}`
}

const VERDICTS: Record<Verdict, TopicValidatorResult> = {
  accept: TopicValidatorResult.Accept,
  reject: TopicValidatorResult.Reject,
  ignore: TopicValidatorResult.Ignore,
}

function toMessage(msg: Message): PubsubMessage | undefined {
  if (msg.type !== 'signed') return undefined
  return { from: msg.from.toString(), topic: msg.topic, data: msg.data }
}

/** Our port over the gossipsub service instance (`node.services.pubsub`). */
export function asPubsub(service: unknown): Pubsub {
  const ps = service as GossipSub & {
    getScore(peer: string): number
    getMeshPeers(topic: string): string[]
  }
  return {
    subscribe: (topic) => ps.subscribe(topic),
    unsubscribe: (topic) => ps.unsubscribe(topic),
    publish: async (topic, data) => (await ps.publish(topic, data)).recipients.length,
    setValidator: (topic, validator) => {
      ps.topicValidators.set(topic, (propagationSource, msg) => {
        const message = toMessage(msg)
        if (message === undefined) return TopicValidatorResult.Reject
        return VERDICTS[validator(message, propagationSource.toString())]
      })
    },
    onMessage: (listener) => {
      const handler = (e: CustomEvent<Message>): void => {
        const message = toMessage(e.detail)
        if (message !== undefined) listener(message)
      }
      ps.addEventListener('message', handler)
      return () => ps.removeEventListener('message', handler)
    },
    score: (peer) => ps.getScore(peer),
    subscribers: (topic) => ps.getSubscribers(topic).map((p) => p.toString()),
    meshPeers: (topic) => ps.getMeshPeers(topic),
  }
}
