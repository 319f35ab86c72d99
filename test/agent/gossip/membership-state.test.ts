import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import {
  MEMBER_TIMING_PRESETS,
  type Member,
  type MemberInput,
  needsProbe,
  newMember,
  transition,
} from '../../../agent/gossip/membership-state.ts'

const T = MEMBER_TIMING_PRESETS.lan
const T0 = 1_000_000
/** Accused by one other observer (of incarnation 0, the members' here). */
const ACCUSED = { accusers: ['accuser-1'], accusedIncarnation: 0 } as const

function at(state: Member['state'], extra: Partial<Member> = {}): Member {
  return { ...newMember(T0), state, ...extra }
}

describe('membership state machine: transitions (table)', () => {
  const cases: Array<{
    name: string
    from: Member
    input: MemberInput
    now: number
    want: Member['state']
    /** More to hold of the next member. */
    check?: (next: Member) => boolean
  }> = [
    {
      name: 'alive stays alive inside suspectAfter',
      from: at('alive'),
      input: { type: 'tick' },
      now: T0 + T.suspectAfterMs,
      want: 'alive',
    },
    {
      name: 'alive -> suspect after suspectAfter of silence',
      from: at('alive'),
      input: { type: 'tick' },
      now: T0 + T.suspectAfterMs + 1,
      want: 'suspect',
    },
    {
      name: "period not heard yet: judged on the observer's own period (25 s beats: still alive after 75 s)",
      from: at('alive'),
      input: { type: 'tick', every: 25 * T.heartbeatMs },
      now: T0 + 25 * T.suspectAfterMs,
      want: 'alive',
    },
    {
      name: "period not heard yet: suspect after suspectAfter stretched by the observer's period",
      from: at('alive'),
      input: { type: 'tick', every: 25 * T.heartbeatMs },
      now: T0 + 25 * T.suspectAfterMs + 1,
      want: 'suspect',
    },
    {
      name: 'period not heard yet: a suspect is not unreachable by silence at the unstretched cap',
      from: at('suspect'),
      input: { type: 'tick', every: 25 * T.heartbeatMs },
      now: T0 + T.unreachableAfterMs + 1,
      want: 'suspect',
    },
    {
      name: "an announced period wins over the observer's guess",
      from: at('alive', { every: T.heartbeatMs }),
      input: { type: 'tick', every: 25 * T.heartbeatMs },
      now: T0 + T.suspectAfterMs + 1,
      want: 'suspect',
    },
    {
      name: 'lost link shortens the wait to evidenceAfter',
      from: at('alive', { linkLost: true }),
      input: { type: 'tick' },
      now: T0 + T.evidenceAfterMs + 1,
      want: 'suspect',
    },
    {
      name: 'lost link alone does nothing while heard recently',
      from: at('alive', { linkLost: true }),
      input: { type: 'tick' },
      now: T0 + T.evidenceAfterMs,
      want: 'alive',
    },
    {
      name: 'a failed ping after a lost link is still one observer: no verdict yet',
      from: at('suspect', { linkLost: true }),
      input: { type: 'ping-failed' },
      now: T0 + 1,
      want: 'suspect',
    },
    {
      name: 'a failed ping alone does not confirm a suspect (it may just be busy)',
      from: at('suspect'),
      input: { type: 'ping-failed' },
      now: T0 + 1,
      want: 'suspect',
    },
    {
      name: 'an unanswered routine probe makes an alive node suspect',
      from: at('alive'),
      input: { type: 'probe-failed' },
      now: T0 + 1,
      want: 'suspect',
    },
    {
      name: 'an unanswered routine probe alone does not confirm a suspect',
      from: at('suspect'),
      input: { type: 'probe-failed' },
      now: T0 + 1,
      want: 'suspect',
    },
    {
      name: 'an accused suspect whose dial was refused is unreachable once the timeout ran out',
      from: at('suspect', { ...ACCUSED, pingFailed: true, refused: true }),
      input: { type: 'tick', members: 3 },
      now: T0 + T.evidenceAfterMs,
      want: 'unreachable',
    },
    {
      name: 'on unanswered pings alone (no refused dial) the same suspect waits longer: it may be busy',
      from: at('suspect', { ...ACCUSED, pingFailed: true }),
      input: { type: 'tick', members: 3 },
      now: T0 + T.unreachableAfterMs - 1,
      want: 'suspect',
    },
    {
      name: 'and is unreachable at unreachableAfter with its one confirmation (K = 1)',
      from: at('suspect', { ...ACCUSED, pingFailed: true }),
      input: { type: 'tick', members: 3 },
      now: T0 + T.unreachableAfterMs,
      want: 'unreachable',
    },
    {
      name: 'a refused dial of a suspect makes the evidence strong',
      from: at('suspect', { pingFailed: true }),
      input: { type: 'ping-failed', refused: true },
      now: T0 + 1,
      want: 'suspect',
      check: (m) => m.refused,
    },
    {
      name: 'a failed ping of an alive node changes nothing',
      from: at('alive'),
      input: { type: 'ping-failed' },
      now: T0 + 1,
      want: 'alive',
    },
    {
      name: 'suspect -> alive on an answered ping',
      from: at('suspect'),
      input: { type: 'ping-ok' },
      now: T0 + 1,
      want: 'alive',
    },
    {
      name: 'suspect -> unreachable after unreachableAfter of silence',
      from: at('suspect'),
      input: { type: 'tick' },
      now: T0 + T.unreachableAfterMs + 1,
      want: 'unreachable',
    },
    {
      name: 'suspect holds before unreachableAfter',
      from: at('suspect'),
      input: { type: 'tick' },
      now: T0 + T.unreachableAfterMs,
      want: 'suspect',
    },
    {
      name: 'unreachable -> alive on a heartbeat',
      from: at('unreachable'),
      input: { type: 'heartbeat', incarnation: 1, seq: 1 },
      now: T0 + 1,
      want: 'alive',
    },
    {
      name: 'unreachable -> left (reaped) after reapAfter',
      from: at('unreachable'),
      input: { type: 'tick' },
      now: T0 + T.reapAfterMs + 1,
      want: 'left',
    },
    {
      name: 'unreachable holds before reapAfter',
      from: at('unreachable'),
      input: { type: 'tick' },
      now: T0 + T.reapAfterMs,
      want: 'unreachable',
    },
    {
      name: 'any -> left on a left record',
      from: at('suspect'),
      input: { type: 'record-left' },
      now: T0 + 1,
      want: 'left',
    },
    {
      name: 'left ignores heartbeats of the incarnation that left',
      from: at('left', { incarnation: 5, leftIncarnation: 5 }),
      input: { type: 'heartbeat', incarnation: 5, seq: 99 },
      now: T0 + 1,
      want: 'left',
    },
    {
      name: 'left -> alive on a heartbeat of a newer incarnation',
      from: at('left', { incarnation: 5, leftIncarnation: 5 }),
      input: { type: 'heartbeat', incarnation: 6, seq: 1 },
      now: T0 + 1,
      want: 'alive',
    },
    {
      name: 'left -> alive on a newer alive record',
      from: at('left', { leftIncarnation: 0 }),
      input: { type: 'record-alive' },
      now: T0 + 1,
      want: 'alive',
    },
    {
      name: 'left never times out',
      from: at('left'),
      input: { type: 'tick' },
      now: T0 + 10 * T.reapAfterMs,
      want: 'left',
    },
    { name: 'left ignores pings', from: at('left'), input: { type: 'ping-ok' }, now: T0 + 1, want: 'left' },
    {
      name: 'rebase clears suspicion caused by our own stall',
      from: at('suspect'),
      input: { type: 'rebase', stalledMs: 10 * T.suspectAfterMs },
      now: T0 + 10 * T.suspectAfterMs,
      want: 'alive',
    },
    {
      name: 'rebase takes out only the stall: a peer silent longer stays suspect',
      from: at('suspect'),
      input: { type: 'rebase', stalledMs: T.suspectAfterMs },
      now: T0 + 10 * T.suspectAfterMs,
      want: 'suspect',
    },
    {
      name: 'rebase keeps a suspect another observer accused: their word is not our stall',
      from: at('suspect', ACCUSED),
      input: { type: 'rebase', stalledMs: 10 * T.suspectAfterMs },
      now: T0 + 10 * T.suspectAfterMs,
      want: 'suspect',
    },
    {
      name: 'rebase keeps a suspect whose link was lost',
      from: at('suspect', { linkLost: true }),
      input: { type: 'rebase', stalledMs: 10 * T.suspectAfterMs },
      now: T0 + 10 * T.suspectAfterMs,
      want: 'suspect',
    },
    {
      name: 'rebase keeps a suspect our own ping failed for',
      from: at('suspect', { pingFailed: true }),
      input: { type: 'rebase', stalledMs: 10 * T.suspectAfterMs },
      now: T0 + 10 * T.suspectAfterMs,
      want: 'suspect',
    },
    {
      name: 'rebase does not revive the unreachable',
      from: at('unreachable'),
      input: { type: 'rebase', stalledMs: 1 },
      now: T0 + 1,
      want: 'unreachable',
    },
    {
      name: 'an accusation shortens the wait to evidenceAfter',
      from: at('alive'),
      input: { type: 'accused', incarnation: 0, from: 'accuser-1' },
      now: T0 + T.evidenceAfterMs + 1,
      want: 'alive',
    },
    {
      name: 'accused and silent past evidenceAfter -> suspect',
      from: at('alive', ACCUSED),
      input: { type: 'tick' },
      now: T0 + T.evidenceAfterMs + 1,
      want: 'suspect',
    },
    {
      name: 'accused but heard within evidenceAfter stays alive',
      from: at('alive', ACCUSED),
      input: { type: 'tick' },
      now: T0 + T.evidenceAfterMs,
      want: 'alive',
    },
    {
      name: 'an accused suspect is not confirmed before it had evidenceAfter to refute',
      from: at('suspect', { ...ACCUSED, pingFailed: true }),
      input: { type: 'tick', members: 3 },
      now: T0 + T.evidenceAfterMs - 1,
      want: 'suspect',
    },
    {
      name: 'accused but our own ping never failed: one observer, the whole unreachableAfter',
      from: at('suspect', { ...ACCUSED, lastHeard: T0 + T.evidenceAfterMs }),
      input: { type: 'tick', members: 3 },
      now: T0 + T.unreachableAfterMs - 1,
      want: 'suspect',
    },
    {
      name: 'a slower announced beat stretches suspectAfter',
      from: at('alive', { every: 5 * T.heartbeatMs }),
      input: { type: 'tick' },
      now: T0 + 5 * T.suspectAfterMs,
      want: 'alive',
    },
    {
      name: 'a slower announced beat: silent past the stretched suspectAfter -> suspect',
      from: at('alive', { every: 5 * T.heartbeatMs }),
      input: { type: 'tick' },
      now: T0 + 5 * T.suspectAfterMs + 1,
      want: 'suspect',
    },
    {
      name: 'a slower announced beat stretches unreachableAfter',
      from: at('suspect', { every: 2 * T.heartbeatMs }),
      input: { type: 'tick' },
      now: T0 + 2 * T.unreachableAfterMs,
      want: 'suspect',
    },
    {
      name: 'an announced beat faster than heartbeatMs does not shorten the waits',
      from: at('alive', { every: 1 }),
      input: { type: 'tick' },
      now: T0 + T.suspectAfterMs,
      want: 'alive',
    },
    {
      name: 'an older incarnation is ignored',
      from: at('unreachable', { incarnation: 7 }),
      input: { type: 'heartbeat', incarnation: 6, seq: 50 },
      now: T0 + 1,
      want: 'unreachable',
    },
  ]
  for (const c of cases) {
    it(c.name, () => {
      const next = transition(c.from, c.input, c.now, T)
      assert.equal(next.state, c.want)
      if (next.state !== c.from.state) assert.equal(next.since, c.now)
      if (c.check !== undefined) assert.ok(c.check(next), 'check')
    })
  }

  it('a reaped member is marked so, and un-marked when it returns', () => {
    const reaped = transition(at('unreachable'), { type: 'tick' }, T0 + T.reapAfterMs + 1, T)
    assert.equal(reaped.reaped, true)
    const back = transition(reaped, { type: 'heartbeat', incarnation: 9, seq: 1 }, T0 + T.reapAfterMs + 2, T)
    assert.equal(back.state, 'alive')
    assert.equal(back.reaped, false)
  })

  it('a heartbeat records lastSeen, incarnation and seq, and clears a lost link', () => {
    const m = transition(
      at('alive', { linkLost: true }),
      { type: 'heartbeat', incarnation: 3, seq: 4 },
      T0 + 5,
      T,
    )
    assert.deepEqual(
      [m.lastSeen, m.lastHeard, m.incarnation, m.seq, m.linkLost],
      [T0 + 5, T0 + 5, 3, 4, false],
    )
  })

  it('an accusation about an older incarnation, or of an unreachable node, changes nothing', () => {
    const m = at('alive', { incarnation: 5 })
    assert.equal(transition(m, { type: 'accused', incarnation: 4, from: 'a' }, T0 + 1, T), m)
    const u = at('unreachable')
    assert.equal(transition(u, { type: 'accused', incarnation: 9, from: 'a' }, T0 + 1, T), u)
  })

  it('a heartbeat clears accusations and our failed ping, and records the announced period', () => {
    const m = transition(
      at('suspect', { ...ACCUSED, pingFailed: true }),
      { type: 'heartbeat', incarnation: 1, seq: 1, every: 2_000 },
      T0 + 5,
      T,
    )
    assert.deepEqual([m.state, m.accusers, m.pingFailed, m.every], ['alive', [], false, 2_000])
    const kept = transition(m, { type: 'heartbeat', incarnation: 1, seq: 2 }, T0 + 6, T)
    assert.equal(kept.every, 2_000)
  })

  it('only suspects are probed', () => {
    assert.equal(needsProbe(at('suspect')), true)
    for (const s of ['alive', 'unreachable', 'left'] as const) assert.equal(needsProbe(at(s)), false)
  })
})

const inputArb: fc.Arbitrary<MemberInput> = fc.oneof(
  fc.record({
    type: fc.constant('heartbeat' as const),
    incarnation: fc.integer({ min: 0, max: 3 }),
    seq: fc.nat(20),
    every: fc.option(fc.integer({ min: 1, max: 10_000 }), { nil: undefined }),
  }),
  fc.record({
    type: fc.constant('accused' as const),
    incarnation: fc.integer({ min: 0, max: 3 }),
    from: fc.constantFrom('a', 'b', 'c', 'd'),
  }),
  fc.constantFrom<MemberInput>(
    { type: 'ping-ok' },
    { type: 'ping-failed' },
    { type: 'probe-failed' },
    { type: 'link-lost' },
    { type: 'record-left' },
    { type: 'record-alive' },
    { type: 'tick' },
    { type: 'rebase', stalledMs: 500 },
  ),
)

describe('membership state machine: properties', () => {
  it('never declares a node unreachable while it keeps being heard within suspectAfter', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: T.suspectAfterMs }),
            fc.constantFrom<MemberInput>({ type: 'tick' }, { type: 'ping-failed' }, { type: 'link-lost' }),
          ),
          {
            maxLength: 60,
          },
        ),
        (steps) => {
          let now = T0
          let seq = 0
          let m = newMember(now)
          for (const [dt, noise] of steps) {
            now += dt
            m = transition(m, { type: 'heartbeat', incarnation: 1, seq: ++seq }, now, T)
            m = transition(m, noise, now + Math.min(dt, T.evidenceAfterMs), T)
            if (m.state === 'unreachable' || m.state === 'left') return false
          }
          return true
        },
      ),
    )
  })

  it('a silent node always ends unreachable, then reaped, whatever pings say', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.constantFrom<MemberInput>({ type: 'ping-failed' }, { type: 'tick' }, { type: 'link-lost' }),
          { maxLength: 20 },
        ),
        (inputs) => {
          let now = T0
          let m = newMember(now)
          const step = (input: MemberInput, dt: number): Member => {
            now += dt
            m = transition(m, input, now, T)
            return m
          }
          for (const input of inputs) step(input, 100)
          step({ type: 'tick' }, T.suspectAfterMs + 1)
          if (step({ type: 'tick' }, T.unreachableAfterMs + 1).state !== 'unreachable') return false
          const reaped = step({ type: 'tick' }, T.reapAfterMs + 1)
          return reaped.state === 'left' && reaped.reaped
        },
      ),
    )
  })

  it('transition is total and keeps its invariants on any input sequence', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(10_000), inputArb), { maxLength: 80 }), (steps) => {
        let now = T0
        let m = newMember(now)
        for (const [dt, input] of steps) {
          now += dt
          const next = transition(m, input, now, T)
          if (next.incarnation < m.incarnation) return false
          if (next.lastHeard < m.lastHeard) return false
          if (next.state !== m.state && next.since !== now) return false
          if (next.reaped && next.state !== 'left') return false
          m = next
        }
        return true
      }),
    )
  })
})

describe('membership state machine: stalls', () => {
  it('evidence survives our stall: accused and link lost, a rebase, then the tick still suspects', () => {
    const now = T0 + 10 * T.suspectAfterMs
    for (const evidence of [ACCUSED, { linkLost: true }] as const) {
      const m = transition(at('alive', evidence), { type: 'rebase', stalledMs: now - T0 - 1 }, now, T)
      assert.equal(m.state, 'alive')
      assert.equal(transition(m, { type: 'tick' }, now + T.evidenceAfterMs, T).state, 'suspect')
    }
  })

  it('a dead peer still ends unreachable when our own timers keep firing late (sustained overload)', () => {
    let now = T0
    let m = newMember(now)
    for (let i = 0; i < 100 && m.state !== 'unreachable'; i++) {
      now += 2 * T.heartbeatMs
      m = transition(m, { type: 'rebase', stalledMs: T.heartbeatMs }, now, T)
      m = transition(m, { type: 'tick' }, now, T)
    }
    assert.equal(m.state, 'unreachable')
    assert.ok(now - T0 <= 2 * (T.unreachableAfterMs + 2 * T.heartbeatMs), `took ${now - T0} ms of wall time`)
  })
})
