/**
 * `npm run bench -- propagation`: time from a registration on one agent until it is visible on
 * all N (Grapevine: the instance's `registered` event arrives on every agent's /v1/watch
 * stream), against Serf (a user event, no coalescing, arriving on every agent's RPC event
 * stream), with agents as separate processes on 127.0.0.1, same N, same run. Both with their
 * default (`lan`) timing. Goal: Grapevine's p99 below Serf's median at every N. Each trial also
 * prints a `trial_detail` line (origin, half-way time, the last three agents; for a trial over
 * 400 ms, their connected peers against the fleet's median). GV_BENCH_SIZES, GV_BENCH_TRIALS,
 * GV_BENCH_SETTLE_MS, GV_BENCH_WARMUP and GV_BENCH_SEED change the run.
 */
import os from 'node:os'
import { seededRandom } from '../helpers/prng.ts'
import { GrapevineCluster, percentile } from './grapevine-cluster.ts'
import { AGENT_NICE } from './observer.ts'
import { quiet, SerfPorts, startSerfCluster, stopSerfCluster } from './serf-cluster.ts'

const SIZES = (process.env.GV_BENCH_SIZES ?? '5,20,50').split(',').map(Number)
const TRIALS = Number(process.env.GV_BENCH_TRIALS ?? 20)
const TRIAL_TIMEOUT_MS = 10_000
/** Trials run first and reported apart: the first publishes right after formation, while gossipsub's mesh is still grafting. */
const WARMUP = Number(process.env.GV_BENCH_WARMUP ?? 2)
const random = seededRandom(Number(process.env.GV_BENCH_SEED ?? 7))
/**
 * Both systems rest this long after formation before the first (warm-up) trial: a fleet that just
 * formed is still busy for seconds (joins, anti-entropy, mesh grafting, Serf's push-pull), and a
 * trial is meant to time one change reaching a fleet at rest.
 */
const SETTLE_MS = Number(process.env.GV_BENCH_SETTLE_MS ?? 10_000)
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, SETTLE_MS))
/**
 * Pause between trials (and after a slow trial's diagnostics, which fetch every agent's metrics),
 * drawn from 400-600 ms so trials do not lock in phase with once-a-second timers. It was 50 ms: the
 * next change then landed while the last one's duplicates, gossip and diagnostics still ran.
 */
const GAP_MS = [400, 600] as const
const gap = (): Promise<void> =>
  new Promise((r) => setTimeout(r, GAP_MS[0] + Math.floor(random() * (GAP_MS[1] - GAP_MS[0]))))

/** Agent `i`'s connected libp2p peers, from its /metrics (-1 if it does not answer). */
async function peersOf(cluster: GrapevineCluster, i: number): Promise<number> {
  try {
    const r = await fetch(`http://${cluster.agents[i]?.info?.http}/metrics`, {
      signal: AbortSignal.timeout(3_000),
    })
    const m = /^grapevine_gossip_peers (\d+)/m.exec(await r.text())
    return m === null ? -1 : Number(m[1])
  } catch {
    return -1
  }
}

function emit(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ bench: 'propagation', ...line })}\n`)
}

async function grapevine(n: number): Promise<number[]> {
  const cluster = await GrapevineCluster.start(n, { preset: 'lan', random })
  try {
    const formed = await cluster.waitFormed(180_000)
    emit({ figure: 'formation_ms', value: Math.round(formed), unit: 'ms', system: 'grapevine', n })
    await cluster.watch()
    await settle()
    const times: number[] = []
    for (let t = 0; t < TRIALS + WARMUP; t++) {
      const service = `probe-${n}-${t}`
      const origin = Math.floor(random() * n)
      const seen = new Set<number>()
      const arrivals: Array<[number, number]> = []
      let last = 0
      const done = new Promise<void>((resolve) => {
        const off = cluster.onEvent((e) => {
          if (e.type !== 'registered' || e.data.service !== service || seen.has(e.agent)) return
          seen.add(e.agent)
          arrivals.push([e.agent, Math.round(e.at - t0)])
          last = e.at
          if (seen.size === n) {
            off()
            resolve()
          }
        })
      })
      const t0 = performance.now()
      const status = await cluster.post(origin, '/v1/instances', {
        service,
        address: '127.0.0.1',
        port: 10_000 + t,
      })
      if (status !== 201) throw new Error(`registration answered ${status}`)
      const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), TRIAL_TIMEOUT_MS))
      if ((await Promise.race([done, timeout])) === 'timeout') {
        emit({
          figure: 'trial_timeout',
          value: seen.size,
          unit: 'agents reached',
          system: 'grapevine',
          n,
          trial: t,
        })
        times.push(TRIAL_TIMEOUT_MS)
        continue
      }
      times.push(last - t0)
      // Who was last, and when: a slow trial is one or two late agents, or the whole fleet.
      emit({
        figure: 'trial_detail',
        system: 'grapevine',
        n,
        trial: t,
        origin,
        ms: Math.round(last - t0),
        half_ms: arrivals[Math.floor(arrivals.length / 2)]?.[1],
        last: arrivals.slice(-3),
        // A slow trial: how many peers the late agents had, against the fleet's median.
        ...(last - t0 > 400
          ? {
              lastPeers: await Promise.all(arrivals.slice(-3).map(([a]) => peersOf(cluster, a))),
              medianPeers: percentile(
                await Promise.all(cluster.agents.map((_a, i) => peersOf(cluster, i))),
                50,
              ),
            }
          : {}),
      })
      await gap()
    }
    return times
  } finally {
    await cluster.stop()
  }
}

async function serf(n: number, basePort: number): Promise<number[]> {
  const nodes = await startSerfCluster(n, basePort, 'lan')
  try {
    const times: number[] = []
    const listeners = new Set<(agent: number, name: string, at: number) => void>()
    await Promise.all(
      nodes.map((node, i) =>
        node.rpc?.stream('user', (e) => {
          const at = performance.now()
          for (const l of listeners) l(i, String(e.Name), at)
        }),
      ),
    )
    await settle()
    for (let t = 0; t < TRIALS + WARMUP; t++) {
      const name = `probe-${n}-${t}`
      const origin = Math.floor(random() * n)
      const seen = new Set<number>()
      let last = 0
      const done = new Promise<void>((resolve) => {
        const l = (agent: number, got: string, at: number) => {
          if (got !== name || seen.has(agent)) return
          seen.add(agent)
          last = at
          if (seen.size === n) {
            listeners.delete(l)
            resolve()
          }
        }
        listeners.add(l)
      })
      const t0 = performance.now()
      await nodes[origin]?.rpc?.event(name, 'x')
      const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), TRIAL_TIMEOUT_MS))
      if ((await Promise.race([done, timeout])) === 'timeout') {
        emit({
          figure: 'trial_timeout',
          value: seen.size,
          unit: 'agents reached',
          system: 'serf',
          n,
          trial: t,
        })
        times.push(TRIAL_TIMEOUT_MS)
        continue
      }
      times.push(last - t0)
      await gap()
    }
    return times
  } finally {
    await stopSerfCluster(nodes)
  }
}

emit({
  note: `Propagation to all N agents, ${TRIALS} trials per N, agents as separate processes on 127.0.0.1 (Grapevine: preset lan, mDNS off, --join; Serf: -profile=lan). Grapevine registers an instance over HTTP and times its arrival on every agent's /v1/watch stream; Serf fires a user event (coalesce off) over RPC and times its arrival on every agent's RPC event stream. Serf measured right after Grapevine at the same N. Both fleets rest ${SETTLE_MS / 1000} s after formation; trials are ${GAP_MS[0]}-${GAP_MS[1]} ms apart; the agents of both systems run at niceness ${AGENT_NICE}, the observing benchmark process at 0 (test/bench/observer.ts).`,
})
const serfPorts = new SerfPorts(24_000)

for (const n of SIZES) {
  let gAll: number[]
  try {
    gAll = await grapevine(n)
  } catch (err) {
    // Too many agent processes for this machine: say so, measure Serf anyway, go on.
    emit({
      figure: 'not_formed',
      value: n,
      unit: 'agents',
      system: 'grapevine',
      n,
      met: false,
      goal: 'forms and is measured',
      detail: String((err as Error).message).slice(0, 300),
      loadavg: os.loadavg()[0],
      cores: os.availableParallelism(),
    })
    await quiet()
    let sAll: number[]
    try {
      sAll = await serfPorts.run(
        n,
        (p) => serf(n, p),
        (note) => emit({ note }),
      )
    } catch (serr) {
      emit({
        figure: 'not_formed',
        value: n,
        unit: 'agents',
        system: 'serf',
        n,
        detail: String(serr).slice(0, 300),
      })
      continue
    }
    const s = sAll.slice(WARMUP)
    emit({
      figure: 'trials_ms',
      value: s.length,
      unit: 'trials',
      system: 'serf',
      n,
      trials: s.map(Math.round),
    })
    emit({ figure: 'median_ms', value: Number(percentile(s, 50).toFixed(1)), unit: 'ms', system: 'serf', n })
    emit({ figure: 'p99_ms', value: Number(percentile(s, 99).toFixed(1)), unit: 'ms', system: 'serf', n })
    continue
  }
  const sAll = await serfPorts.run(
    n,
    (p) => serf(n, p),
    (note) => emit({ note }),
  )
  const g = gAll.slice(WARMUP)
  const s = sAll.slice(WARMUP)
  emit({
    figure: 'warmup_ms',
    value: Number(Math.max(...gAll.slice(0, WARMUP), 0).toFixed(1)),
    unit: 'ms',
    system: 'grapevine',
    n,
    trials: gAll.slice(0, WARMUP).map((x) => Math.round(x)),
  })
  emit({
    figure: 'warmup_ms',
    value: Number(Math.max(...sAll.slice(0, WARMUP), 0).toFixed(1)),
    unit: 'ms',
    system: 'serf',
    n,
    trials: sAll.slice(0, WARMUP).map((x) => Math.round(x)),
  })
  emit({
    figure: 'trials_ms',
    value: g.length,
    unit: 'trials',
    system: 'grapevine',
    n,
    trials: g.map((x) => Math.round(x)),
  })
  emit({
    figure: 'trials_ms',
    value: s.length,
    unit: 'trials',
    system: 'serf',
    n,
    trials: s.map((x) => Math.round(x)),
  })
  const gMed = percentile(g, 50)
  const gP99 = percentile(g, 99)
  const sMed = percentile(s, 50)
  const sP99 = percentile(s, 99)
  emit({ figure: 'median_ms', value: Number(gMed.toFixed(1)), unit: 'ms', system: 'grapevine', n })
  emit({
    figure: 'p99_ms',
    value: Number(gP99.toFixed(1)),
    unit: 'ms',
    system: 'grapevine',
    n,
    goal: `< Serf median (${sMed.toFixed(1)} ms)`,
    met: gP99 < sMed,
  })
  emit({ figure: 'median_ms', value: Number(sMed.toFixed(1)), unit: 'ms', system: 'serf', n })
  emit({ figure: 'p99_ms', value: Number(sP99.toFixed(1)), unit: 'ms', system: 'serf', n })
  emit({ figure: 'serf_median_over_grapevine_median', value: Number((sMed / gMed).toFixed(2)), unit: 'x', n })
}
