import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import { CatalogStore } from '../../../agent/catalog/store.ts'
import { type MemberChangeEvent, Membership } from '../../../agent/gossip/membership.ts'
import { MEMBER_TIMING_PRESETS, suspicionBounds } from '../../../agent/gossip/membership-state.ts'
import { createGossipMetrics } from '../../../agent/gossip/metrics.ts'
import { HEARTBEAT_TOPIC } from '../../../agent/gossip/topics.ts'
import { nodeKey } from '../../../crdt/keys.ts'
import type { NodeValue } from '../../../crdt/schema.ts'
import { signEntry } from '../../../crdt/signing.ts'
import { decodeFrame, encodeFrame } from '../../../crdt/wire.ts'
import { FakeClock } from '../../helpers/fake-clock.ts'
import { fakeSigner, fakeVerify, testOrigin } from '../../helpers/fake-signing.ts'
import { seededRandom } from '../../helpers/prng.ts'
import { FakePubsub } from './fake-pubsub.ts'
import { FakeTimers } from './fake-timers.ts'

const T = MEMBER_TIMING_PRESETS.lan
const SELF = testOrigin(1)
const X = testOrigin(2)
const Y = testOrigin(3)

function nodeValue(status: NodeValue['status']): NodeValue {
  return {
    kind: 'node',
    name: 'x',
    addresses: [],
    multiaddrs: [],
    meta: {},
    maintenance: false,
    status,
    agentVersion: '',
  }
}

function setup(
  opts: {
    pingAnswers?: boolean
    wall?: FakeClock
    ping?: (origin: string) => Promise<boolean | 'refused'>
    /** Which members this agent has a connection to (routine probes go only to those). */
    connected?: (origin: string) => boolean
    probeEveryMs?: number
    registry?: Registry
  } = {},
) {
  const clock = new FakeClock()
  const timers = new FakeTimers(clock)
  const pubsub = new FakePubsub()
  const store = new CatalogStore(
    { now: clock.now, sign: fakeSigner(SELF), verify: fakeVerify },
    { origin: SELF, horizonMs: 7 * 86_400_000, maxDriftMs: 60_000 },
  )
  const pings: string[] = []
  const pingTimeouts: number[] = []
  const membership = new Membership(
    {
      store,
      pubsub,
      probe: {
        ping: async (origin, timeoutMs) => {
          pings.push(origin)
          pingTimeouts.push(timeoutMs)
          if (opts.ping !== undefined) return opts.ping(origin)
          return opts.pingAnswers ?? false
        },
        ...(opts.connected === undefined ? {} : { isConnected: opts.connected }),
      },
      logger: pino({ level: 'silent' }),
      metrics: createGossipMetrics(opts.registry),
      now: opts.wall?.now ?? clock.now,
      monotonic: clock.now,
      timers,
      random: seededRandom(5),
    },
    {
      timing: T,
      incarnation: 7,
      ...(opts.probeEveryMs === undefined ? {} : { probeEveryMs: opts.probeEveryMs }),
    },
  )
  const events: MemberChangeEvent[] = []
  membership.on('member:change', (e) => events.push(e))
  let seq = 0
  const beat = (origin: string, incarnation = 1, every?: number): string =>
    pubsub.deliver(
      origin,
      HEARTBEAT_TOPIC,
      encodeFrame({
        v: 1,
        kind: 'heartbeat',
        incarnation,
        seq: ++seq,
        ...(every === undefined ? {} : { every }),
      }),
    )
  /** Let probe promises settle. */
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 5; i++) await Promise.resolve()
  }
  return { clock, timers, pubsub, store, membership, events, pings, pingTimeouts, beat, settle }
}

describe('membership runtime (fake clock and timers)', () => {
  it('publishes heartbeats every heartbeatMs with its incarnation and a growing seq', async () => {
    const { membership, pubsub, timers } = setup()
    await membership.start()
    timers.advance(3 * T.heartbeatMs)
    const beats = pubsub.published.filter((p) => p.topic === HEARTBEAT_TOPIC).map((p) => decodeFrame(p.data))
    assert.equal(beats.length, 4)
    assert.deepEqual(
      beats.map((b) => (b.ok && b.value.kind === 'heartbeat' ? [b.value.incarnation, b.value.seq] : null)),
      [
        [7, 1],
        [7, 2],
        [7, 3],
        [7, 4],
      ],
    )
    await membership.stop()
    assert.equal(timers.size, 0, 'stop clears every timer')
  })

  it('silence -> suspect -> probe fails (still suspect: it may be busy) -> silence -> unreachable; a heartbeat brings it back', async () => {
    const { membership, timers, events, pings, beat, settle } = setup()
    await membership.start()
    beat(X)
    assert.equal(membership.get(X)?.state, 'alive')
    timers.advance(T.suspectAfterMs + 300)
    assert.equal(membership.get(X)?.state, 'suspect')
    await settle()
    assert.equal(pings[0], X)
    assert.equal(membership.get(X)?.state, 'suspect', 'one failed ping alone does not confirm')
    timers.advance(T.unreachableAfterMs)
    await settle()
    assert.equal(membership.get(X)?.state, 'unreachable')
    beat(X)
    assert.equal(membership.get(X)?.state, 'alive')
    assert.deepEqual(
      events.filter((e) => e.origin === X).map((e) => e.state),
      ['alive', 'suspect', 'unreachable', 'alive'],
    )
    await membership.stop()
  })

  it('a suspect that answers the ping is alive (heartbeats lost, node fine)', async () => {
    const { membership, timers, beat, settle } = setup({ pingAnswers: true })
    await membership.start()
    beat(X)
    timers.advance(T.suspectAfterMs + 300)
    await settle()
    assert.equal(membership.get(X)?.state, 'alive')
    await membership.stop()
  })

  it('Lifeguard: when this process stalls, nobody is suspected', async () => {
    const { membership, timers, events, pings, beat } = setup()
    await membership.start()
    beat(X)
    beat(Y)
    timers.advance(T.heartbeatMs)
    beat(X)
    beat(Y)
    // Paused for 10 s (SIGSTOP, a long GC): no timer ran, no heartbeat was read.
    timers.stall(10_000)
    timers.advance(1)
    assert.equal(membership.get(X)?.state, 'alive')
    assert.equal(membership.get(Y)?.state, 'alive')
    assert.deepEqual(pings, [])
    assert.equal(
      events.some((e) => e.state !== 'alive'),
      false,
    )
    // Baselines were reset: real silence after the stall is still detected.
    timers.advance(T.suspectAfterMs + 300)
    assert.equal(membership.get(X)?.state, 'suspect')
    await membership.stop()
  })

  it('a stall right after a kill keeps the evidence: an accused member still ends unreachable soon', async () => {
    const { membership, pubsub, timers, beat, settle } = setup({
      ping: async (o) => o !== X,
      connected: (o) => o !== X, // its connection died with it: no routine probe will find it
    })
    await membership.start()
    beat(X, 1, 25_000) // a big fleet's beat period: silence alone would take 75 s
    for (let i = 0; i < 10; i++) {
      timers.advance(T.heartbeatMs)
      beat(Y)
    }
    pubsub.deliver(Y, HEARTBEAT_TOPIC, encodeFrame({ v: 1, kind: 'suspect', origin: X, incarnation: 1 }))
    await settle()
    assert.equal(membership.get(X)?.state, 'suspect')
    // Every kill at N=50 made the whole fleet's timers late: twice, here, before the verdict.
    for (let i = 0; i < 2; i++) {
      timers.stall(T.heartbeatMs + 500)
      timers.advance(1)
      await settle()
    }
    for (let i = 0; i < 10 && membership.get(X)?.state !== 'unreachable'; i++) {
      timers.advance(T.heartbeatMs)
      beat(Y)
      await settle()
    }
    assert.equal(membership.get(X)?.state, 'unreachable')
    assert.equal(membership.get(Y)?.state, 'alive')
    await membership.stop()
  })

  it('control: the same silence with timers on time does raise suspicion', async () => {
    const { membership, timers, beat } = setup()
    await membership.start()
    beat(X)
    timers.advance(10_001)
    assert.notEqual(membership.get(X)?.state, 'alive')
    await membership.stop()
  })

  it('liveness runs on the monotonic clock: a wall clock stepped back does not blind it', async () => {
    const wall = new FakeClock()
    const { membership, timers, beat } = setup({ wall })
    await membership.start()
    beat(X)
    wall.advance(-3_600_000)
    timers.advance(T.suspectAfterMs + 300)
    assert.equal(membership.get(X)?.state, 'suspect')
    await membership.stop()
  })

  it('beats slower as the fleet grows: at most maxHeartbeatRate beats a second per observer, in whole periods', async () => {
    const { membership, pubsub, timers, beat } = setup()
    await membership.start()
    const periods = () =>
      pubsub.published
        .filter((p) => p.topic === HEARTBEAT_TOPIC)
        .map((p) => decodeFrame(p.data))
        .map((f) => (f.ok && f.value.kind === 'heartbeat' ? f.value.every : undefined))
    assert.deepEqual(periods(), [T.heartbeatMs], 'alone: the configured period')
    // 20 other members + itself = 21 nodes; 21 / 2 per second (the default rate) = 10.5 s,
    // rounded up to 11 whole periods.
    for (let i = 10; i < 30; i++) beat(testOrigin(i))
    assert.equal(membership.beatPeriod(), 11 * T.heartbeatMs)
    timers.advance(T.heartbeatMs)
    const n = periods().length
    assert.equal(periods()[n - 1], 11 * T.heartbeatMs)
    timers.advance(11 * T.heartbeatMs - 1)
    assert.equal(periods().length, n, 'the next beat waits the announced period')
    timers.advance(1)
    assert.equal(periods().length, n + 1)
    await membership.stop()
  })

  it('a member announcing a slower beat is given proportionally longer silence', async () => {
    const { membership, pubsub, timers } = setup()
    await membership.start()
    const every = 4 * T.heartbeatMs
    pubsub.deliver(
      X,
      HEARTBEAT_TOPIC,
      encodeFrame({ v: 1, kind: 'heartbeat', incarnation: 1, seq: 1, every }),
    )
    timers.advance(T.suspectAfterMs + 300)
    assert.equal(membership.get(X)?.state, 'alive')
    timers.advance(3 * T.suspectAfterMs)
    assert.equal(membership.get(X)?.state, 'suspect')
    await membership.stop()
  })

  it('an accusation makes this observer ping the accused at once; its own refused dial confirms', async () => {
    const { membership, pubsub, timers, pings, beat, settle } = setup({ ping: async () => 'refused' })
    await membership.start()
    beat(X)
    beat(Y) // a fleet of three: Y's word and ours are all the confirmation there can be (K = 1)
    timers.advance(T.evidenceAfterMs + 10)
    assert.equal(membership.get(X)?.state, 'alive')
    pubsub.deliver(Y, HEARTBEAT_TOPIC, encodeFrame({ v: 1, kind: 'suspect', origin: X, incarnation: 1 }))
    assert.equal(membership.get(X)?.state, 'suspect')
    assert.deepEqual(pings, [X], 'probed without waiting for a tick')
    await settle()
    assert.equal(membership.get(X)?.state, 'suspect', 'it gets evidenceAfter to refute')
    timers.advance(T.evidenceAfterMs + T.heartbeatMs / 4)
    await settle()
    assert.equal(membership.get(X)?.state, 'unreachable')
    await membership.stop()
  })

  it('an accused member that only does not answer (busy, not gone) gets the longer suspicion', async () => {
    const { membership, pubsub, clock, timers, beat, settle } = setup({ ping: async () => false })
    await membership.start()
    beat(X, 1, 100 * T.heartbeatMs) // a slow beat keeps silence out of it
    beat(Y)
    timers.advance(T.evidenceAfterMs + 10)
    pubsub.deliver(Y, HEARTBEAT_TOPIC, encodeFrame({ v: 1, kind: 'suspect', origin: X, incarnation: 1 }))
    const suspectedAt = clock.now()
    await settle()
    timers.advance(T.evidenceAfterMs + T.heartbeatMs / 4)
    await settle()
    assert.equal(membership.get(X)?.state, 'suspect', 'no refused dial: it may only be busy')
    while (membership.get(X)?.state === 'suspect' && clock.now() - suspectedAt < 4 * T.unreachableAfterMs) {
      timers.advance(T.heartbeatMs / 4)
      await settle()
    }
    assert.equal(membership.get(X)?.state, 'unreachable')
    const waited = clock.now() - suspectedAt
    assert.ok(waited >= T.unreachableAfterMs, `unreachable ${waited} ms after suspect`)
    await membership.stop()
  })

  it('a kill seen by many: three accusers and our own failed ping confirm after evidenceAfter, one accuser repeating does not', async () => {
    const { membership, pubsub, clock, timers, beat, settle } = setup({ ping: async () => 'refused' })
    await membership.start()
    const [A, B, C, D] = [testOrigin(4), testOrigin(5), testOrigin(6), testOrigin(7)]
    for (const o of [X, Y, A, B, C, D]) beat(o)
    timers.advance(T.evidenceAfterMs + 10)
    const accuse = (from: string, origin: string) =>
      pubsub.deliver(from, HEARTBEAT_TOPIC, encodeFrame({ v: 1, kind: 'suspect', origin, incarnation: 1 }))
    for (const from of [A, B, C]) accuse(from, X)
    for (let i = 0; i < 3; i++) accuse(A, Y) // Y: one accuser, three times
    await settle()
    const suspectedAt = clock.now()
    assert.deepEqual([membership.get(X)?.state, membership.get(Y)?.state], ['suspect', 'suspect'])
    while (membership.get(X)?.state === 'suspect') {
      timers.advance(T.heartbeatMs / 4)
      await settle()
    }
    assert.equal(membership.get(X)?.state, 'unreachable')
    assert.ok(clock.now() - suspectedAt <= T.evidenceAfterMs + T.heartbeatMs / 4, 'at the minimum')
    assert.equal(
      membership.get(Y)?.state,
      'suspect',
      'one accuser, however often, and our ping: two observers',
    )
    await membership.stop()
  })

  it('local health: late ticks stretch the probe timeout, answered pings bring it back', async () => {
    let answer = false
    const registry = new Registry()
    const score = async () =>
      (await registry.getSingleMetric('grapevine_gossip_local_health')?.get())?.values[0]?.value ?? 0
    const { membership, timers, pingTimeouts, beat, settle } = setup({ ping: async () => answer, registry })
    await membership.start()
    beat(X)
    timers.advance(T.suspectAfterMs + 10)
    await settle()
    const base = pingTimeouts.at(-1) as number
    for (let i = 0; i < 3; i++) {
      timers.stall((3 * T.heartbeatMs) / 4) // late ticks (not a stall): this process is the slow one
      timers.advance(T.heartbeatMs / 4)
      await settle()
    }
    const stretched = pingTimeouts.at(-1) as number
    assert.ok(stretched >= 3 * base, `probe timeout ${stretched} ms after late ticks, ${base} ms before`)
    assert.ok((await score()) >= 2, 'the metric shows the score')
    answer = true
    beat(X)
    for (let i = 0; i < 16; i++) {
      timers.advance(T.heartbeatMs) // routine probes of X, answered
      await settle()
    }
    assert.equal(pingTimeouts.at(-1), base, 'healthy again')
    assert.equal(await score(), 0)
    await membership.stop()
  })

  it('an accused member that answers our ping stays alive', async () => {
    const { membership, pubsub, timers, beat, settle } = setup({ pingAnswers: true })
    await membership.start()
    beat(X)
    timers.advance(T.evidenceAfterMs + 10)
    pubsub.deliver(Y, HEARTBEAT_TOPIC, encodeFrame({ v: 1, kind: 'suspect', origin: X, incarnation: 1 }))
    await settle()
    assert.equal(membership.get(X)?.state, 'alive')
    timers.advance(T.suspectAfterMs - T.evidenceAfterMs)
    assert.equal(membership.get(X)?.state, 'alive', 'the answered ping cleared the accusation')
    await membership.stop()
  })

  it('an accusation of an older life (the accuser missed a restart) is no confirmation, but gets our own ping at once', async () => {
    const { membership, pubsub, pings, beat, settle } = setup()
    await membership.start()
    beat(X, 5) // X restarted: we know incarnation 5
    await settle()
    const before = pings.filter((p) => p === X).length
    pubsub.deliver(Y, HEARTBEAT_TOPIC, encodeFrame({ v: 1, kind: 'suspect', origin: X, incarnation: 4 }))
    await settle()
    assert.equal(pings.filter((p) => p === X).length, before + 1, 'pinged X once, at once')
    assert.equal(membership.get(X)?.state, 'suspect', 'our own failed ping made it our suspect')
    // A current-life accusation from the same accuser later counts as usual; an answered ping
    // would have kept X alive (the test's pings fail).
    await membership.stop()
  })

  it('a storm of accusations (a restart hears its previous life accused) gets at most one refuting beat a second', async () => {
    const { membership, pubsub, timers } = setup()
    await membership.start()
    const beats = () => pubsub.published.filter((p) => p.topic === HEARTBEAT_TOPIC).length
    const before = beats()
    for (let i = 0; i < 12; i++) {
      pubsub.deliver(
        testOrigin(20 + i),
        HEARTBEAT_TOPIC,
        encodeFrame({ v: 1, kind: 'suspect', origin: SELF, incarnation: 6 }),
      )
      timers.advance(T.heartbeatMs / 4)
    }
    // 3 s: refutes at 0, 1 and 2 s and the regular beat due a period after each: 6. One refute
    // per accusation would be 12 (each resetting the regular period), 4 a second for as long as
    // the storm lasts, into the 5/s limit every observer applies to our heartbeats.
    assert.equal(beats() - before, 6)
    await membership.stop()
  })

  it('accused itself, an agent refutes with an immediate heartbeat (at most one per tick)', async () => {
    const { membership, pubsub } = setup()
    await membership.start()
    const beats = () => pubsub.published.filter((p) => p.topic === HEARTBEAT_TOPIC).length
    const before = beats()
    pubsub.deliver(Y, HEARTBEAT_TOPIC, encodeFrame({ v: 1, kind: 'suspect', origin: SELF, incarnation: 7 }))
    assert.equal(beats(), before + 1)
    pubsub.deliver(Y, HEARTBEAT_TOPIC, encodeFrame({ v: 1, kind: 'suspect', origin: SELF, incarnation: 7 }))
    assert.equal(beats(), before + 1, 'a second accusation in the same tick does not beat again')
    await membership.stop()
  })

  it('a failed probe on its own evidence accuses once per incarnation, but alone waits unreachableAfter', async () => {
    const { membership, pubsub, timers, beat, settle } = setup()
    await membership.start()
    beat(X)
    beat(Y)
    membership.linkLost(X)
    timers.advance(T.evidenceAfterMs + 300)
    await settle()
    assert.equal(membership.get(X)?.state, 'suspect', 'a lost link and a failed ping: still one observer')
    for (let i = 0; i < 4 * 4; i++) {
      timers.advance(T.heartbeatMs / 4)
      await settle()
    }
    assert.equal(membership.get(X)?.state, 'unreachable')
    const accusations = pubsub.published
      .map((p) => decodeFrame(p.data))
      .filter((f) => f.ok && f.value.kind === 'suspect' && f.value.origin === X)
      .map((f) => (f.ok && f.value.kind === 'suspect' ? [f.value.origin, f.value.incarnation] : null))
    assert.deepEqual(accusations, [[X, 1]], 'one accusation in unreachableAfter')
    await membership.stop()
  })

  it('routine probes: one member per period, each once per shuffled round', async () => {
    const every = T.heartbeatMs / 4
    const { membership, timers, pings, beat, settle } = setup({ pingAnswers: true, probeEveryMs: every })
    await membership.start()
    const others = [X, Y, testOrigin(4), testOrigin(5)]
    for (const o of others) beat(o)
    for (let i = 0; i < 8; i++) {
      timers.advance(every)
      await settle()
    }
    assert.equal(pings.length, 8, 'one ping per period')
    for (const round of [pings.slice(0, 4), pings.slice(4)]) {
      assert.deepEqual([...round].sort(), [...others].sort(), 'every member once per round')
    }
    for (const o of others) assert.equal(membership.get(o)?.state, 'alive')
    await membership.stop()
  })

  it('members heard within the probe period are not probed (heartbeats already prove them)', async () => {
    const { membership, timers, pings, beat, settle } = setup({ pingAnswers: true })
    await membership.start()
    for (let i = 0; i < 8; i++) {
      beat(X)
      timers.advance(T.heartbeatMs - 1)
      await settle()
    }
    assert.deepEqual(pings, [])
    await membership.stop()
  })

  it('an unanswered routine probe makes the member suspect and is announced; a second opinion confirms', async () => {
    const { membership, pubsub, timers, pings, beat, settle } = setup({ ping: async (o) => o !== X })
    await membership.start()
    beat(X)
    beat(Y)
    while (!pings.includes(X)) {
      timers.advance(T.heartbeatMs / 4)
      await settle()
    }
    await settle()
    assert.equal(membership.get(X)?.state, 'suspect', 'one unanswered probe: suspect, not unreachable')
    const accused = () =>
      pubsub.published
        .map((p) => decodeFrame(p.data))
        .some((f) => f.ok && f.value.kind === 'suspect' && f.value.origin === X)
    assert.equal(accused(), false, 'one unanswered ping is not enough to accuse')
    timers.advance(T.heartbeatMs / 4)
    await settle()
    assert.ok(accused(), 'the second unanswered ping in a row: the prober accused X')
    pubsub.deliver(Y, HEARTBEAT_TOPIC, encodeFrame({ v: 1, kind: 'suspect', origin: X, incarnation: 1 }))
    // Unanswered, never refused: the longer suspicion (it may only be busy), then confirmed.
    for (let i = 0; i < (4 * T.unreachableAfterMs) / (T.heartbeatMs / 4); i++) {
      timers.advance(T.heartbeatMs / 4)
      await settle()
    }
    assert.equal(membership.get(X)?.state, 'unreachable')
    assert.equal(membership.get(Y)?.state, 'alive')
    await membership.stop()
  })

  for (const [answer, evidence] of [
    ['refused', 'refused dials'],
    [false, 'unanswered pings'],
  ] as const) {
    it(`its own ${evidence} confirm a suspect alone, at the longest suspicion for that evidence`, async () => {
      const { membership, clock, timers, beat, settle, events } = setup({
        ping: async (o) => (o === X ? answer : true),
      })
      await membership.start()
      beat(X, 1, 100 * T.heartbeatMs) // a slow beat: silence alone would take 100 × unreachableAfter
      while (membership.get(X)?.state !== 'suspect') {
        timers.advance(T.heartbeatMs / 4)
        await settle()
      }
      const suspectedAt = clock.now()
      while (membership.get(X)?.state === 'suspect') {
        timers.advance(T.heartbeatMs / 4)
        await settle()
      }
      assert.equal(membership.get(X)?.state, 'unreachable')
      const waited = clock.now() - suspectedAt
      const { max } = suspicionBounds(answer === 'refused', T)
      assert.ok(waited >= max && waited <= max + T.heartbeatMs / 4, `unreachable ${waited} ms after suspect`)
      assert.deepEqual(
        events.filter((e) => e.origin === X).map((e) => e.state),
        ['alive', 'suspect', 'unreachable'],
      )
      await membership.stop()
    })
  }

  it('a lost link with a failed ping is accused even by an observer whose timers ran late', async () => {
    const { membership, pubsub, timers, beat, settle } = setup()
    await membership.start()
    beat(X)
    membership.linkLost(X)
    for (let i = 0; i < 8; i++) {
      timers.stall((3 * T.heartbeatMs) / 4) // every tick late, though never a stall: a loaded host
      timers.advance(T.heartbeatMs / 4)
      await settle()
    }
    const accused = pubsub.published.some((p) => {
      const f = decodeFrame(p.data)
      return f.ok && f.value.kind === 'suspect' && f.value.origin === X
    })
    assert.equal(accused, true, 'a reset connection is not our slowness')
    await membership.stop()
  })

  it('an observer whose own timers ran late does not accuse on unanswered pings alone (Lifeguard)', async () => {
    const { membership, pubsub, timers, pings, beat, settle } = setup({ ping: async (o) => o !== X })
    await membership.start()
    beat(X)
    while (!pings.includes(X)) {
      timers.advance(T.heartbeatMs / 4)
      await settle()
    }
    timers.stall((3 * T.heartbeatMs) / 4) // late, though not late enough to count as a stall
    for (let i = 0; i < 4; i++) {
      timers.advance(T.heartbeatMs / 4)
      await settle()
    }
    assert.ok(pings.filter((p) => p === X).length >= 3)
    assert.equal(
      pubsub.published.some((p) => {
        const f = decodeFrame(p.data)
        return f.ok && f.value.kind === 'suspect'
      }),
      false,
    )
    await membership.stop()
  })

  it('a probe that fails slowly while this process kept time still counts (a slow dial is not a stall)', async () => {
    let fail: (answered: boolean) => void = () => {}
    const { membership, timers, pings, beat, settle } = setup({
      ping: () =>
        new Promise<boolean>((resolve) => {
          fail = resolve
        }),
    })
    await membership.start()
    beat(X)
    while (pings.length === 0) {
      timers.advance(T.heartbeatMs / 4)
      await settle()
    }
    for (let i = 0; i < 3; i++) {
      timers.advance(T.heartbeatMs) // 3 s, every tick on time; X still beats (only its pings fail)
      beat(X)
    }
    assert.equal(membership.get(X)?.state, 'alive')
    fail(false)
    await settle()
    assert.equal(membership.get(X)?.state, 'suspect', 'the unanswered probe counted')
    await membership.stop()
  })

  it('a probe that fails only after this process stalled proves nothing', async () => {
    let fail: (answered: boolean) => void = () => {}
    const { membership, pubsub, timers, beat, settle } = setup({
      ping: () =>
        new Promise<boolean>((resolve) => {
          fail = resolve
        }),
    })
    await membership.start()
    beat(X)
    timers.advance(T.heartbeatMs + T.heartbeatMs / 4)
    timers.stall(10_000)
    fail(false)
    await settle()
    timers.advance(1)
    assert.equal(membership.get(X)?.state, 'alive')
    assert.equal(
      pubsub.published.some((p) => {
        const f = decodeFrame(p.data)
        return f.ok && f.value.kind === 'suspect'
      }),
      false,
    )
    await membership.stop()
  })

  it('a lost link with a failed redial is acted on after evidenceAfter, before suspectAfter', async () => {
    const { membership, timers, beat } = setup()
    await membership.start()
    beat(X)
    membership.linkLost(X)
    timers.advance(T.evidenceAfterMs + 300)
    assert.equal(membership.get(X)?.state, 'suspect')
    await membership.stop()
  })

  it('a node record with status left makes the node left at once; its late heartbeats are ignored', async () => {
    const { membership, store, beat, events, clock } = setup()
    await membership.start()
    beat(X, 5)
    const signed = signEntry(
      { key: nodeKey(X), origin: X, hlc: { wall: clock.now(), count: 0 }, value: nodeValue('left') },
      fakeSigner(X),
    )
    store.mergeRemote([signed])
    assert.equal(membership.get(X)?.state, 'left')
    beat(X, 5)
    assert.equal(membership.get(X)?.state, 'left')
    beat(X, 6)
    assert.equal(membership.get(X)?.state, 'alive', 'a restart (newer incarnation) is alive again')
    assert.deepEqual(
      events.filter((e) => e.origin === X).map((e) => e.state),
      ['alive', 'left', 'alive'],
    )
    await membership.stop()
  })

  it('the heartbeat validator rejects garbage and other frame kinds, and rate-limits a flood', async () => {
    const { membership, pubsub } = setup()
    await membership.start()
    assert.equal(pubsub.deliver(X, HEARTBEAT_TOPIC, new TextEncoder().encode('nope')), 'reject')
    assert.equal(pubsub.deliver(X, HEARTBEAT_TOPIC, encodeFrame({ v: 1, kind: 'end' })), 'reject')
    assert.equal(
      pubsub.deliver(X, HEARTBEAT_TOPIC, new TextEncoder().encode('{"v":2,"kind":"heartbeat"}')),
      'ignore',
    )
    const verdicts = Array.from({ length: 50 }, (_, i) =>
      pubsub.deliver(Y, HEARTBEAT_TOPIC, encodeFrame({ v: 1, kind: 'heartbeat', incarnation: 1, seq: i })),
    )
    assert.ok(verdicts.includes('ignore'), 'a flood is cut off')
    assert.equal(verdicts[0], 'accept')
    await membership.stop()
  })
})
