import { AgentProcess } from '../helpers/agent-process.ts'
import { runAsAgent } from './observer.ts'

/**
 * N real `grapevine agent` processes on 127.0.0.1 (mDNS off, explicit --join of the first and
 * of one random earlier agent), plus one Server-Sent-Events watcher per agent so the benchmark
 * learns the moment each agent sees a change. Started a few at a time: 2 cores.
 */
export interface WatchedEvent {
  readonly at: number
  readonly agent: number
  readonly type: string
  readonly data: Record<string, unknown>
}

const COMMON = [
  '--no-mdns',
  '--listen',
  '/ip4/127.0.0.1/tcp/0',
  '--http',
  '127.0.0.1:0',
  '--dns',
  '127.0.0.1:0',
]

/** Start one agent process at the observed systems' priority (observer.ts). */
function startAsAgent(
  agent: AgentProcess,
  args: readonly string[],
  opts: Parameters<AgentProcess['start']>[1],
): ReturnType<AgentProcess['start']> {
  const ready = agent.start(args, opts)
  runAsAgent(agent.pid)
  return ready
}

export class GrapevineCluster {
  readonly agents: AgentProcess[] = []
  private readonly controllers: AbortController[] = []
  private readonly listeners = new Set<(e: WatchedEvent) => void>()
  private readonly retired: AgentProcess[] = []

  static async start(
    n: number,
    opts: {
      preset: 'lan' | 'local'
      random: () => number
      concurrency?: number
      /** More CLI arguments for every agent (e.g. a log level). */
      extraArgs?: readonly string[]
    },
  ): Promise<GrapevineCluster> {
    const c = new GrapevineCluster()
    const common = [...COMMON, ...(opts.extraArgs ?? [])]
    try {
      const first = new AgentProcess(`bench-0`)
      c.agents.push(first)
      await startAsAgent(first, common, { preset: opts.preset, timeoutMs: 60_000 })
      const batch = opts.concurrency ?? 4
      for (let i = 1; i < n; i += batch) {
        const starting: Promise<unknown>[] = []
        for (let j = i; j < Math.min(n, i + batch); j++) {
          const a = new AgentProcess(`bench-${j}`)
          c.agents.push(a)
          const other = c.agents[Math.floor(opts.random() * Math.min(j, i))] as AgentProcess
          const joins = ['--join', first.joinAddr(), ...(other === first ? [] : ['--join', other.joinAddr()])]
          starting.push(startAsAgent(a, [...common, ...joins], { preset: opts.preset, timeoutMs: 120_000 }))
        }
        await Promise.all(starting)
      }
      return c
    } catch (err) {
      await c.stop() // never leave agent processes behind a failed start
      throw err
    }
  }

  /** Resolves once every agent lists all N members alive. */
  async waitFormed(timeoutMs: number): Promise<number> {
    const t0 = performance.now()
    const n = this.agents.length
    for (;;) {
      const counts = await Promise.all(
        this.agents.map(async (a) => {
          try {
            const r = await fetch(`http://${a.info?.http}/v1/members`, { signal: AbortSignal.timeout(5_000) })
            const body = (await r.json()) as { members: Array<{ state: string }> }
            return body.members.filter((m) => m.state === 'alive').length
          } catch {
            return 0
          }
        }),
      )
      if (counts.every((c) => c === n)) return performance.now() - t0
      if (performance.now() - t0 > timeoutMs)
        throw new Error(`cluster of ${n} did not form in ${timeoutMs} ms: ${counts.join(',')}`)
      await new Promise((r) => setTimeout(r, 250))
    }
  }

  /** Open one SSE stream per agent; events go to `onEvent` listeners with their arrival time. */
  async watch(): Promise<void> {
    await Promise.all(this.agents.map((_a, i) => this.watchOne(i)))
  }

  /** (Re)open the SSE stream of agent `i`. */
  async watchOne(i: number): Promise<void> {
    const a = this.agents[i] as AgentProcess
    const ctl = new AbortController()
    this.controllers.push(ctl)
    const res = await fetch(`http://${a.info?.http}/v1/watch`, {
      signal: ctl.signal,
      headers: { accept: 'text/event-stream' },
    })
    const decoder = new TextDecoder()
    let buf = ''
    void (async () => {
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          const at = performance.now()
          buf += decoder.decode(chunk, { stream: true })
          let end = buf.indexOf('\n\n')
          while (end >= 0) {
            const block = buf.slice(0, end)
            buf = buf.slice(end + 2)
            const data = block.split('\n').find((l) => l.startsWith('data: '))
            if (data !== undefined) {
              const parsed = JSON.parse(data.slice(6)) as Record<string, unknown>
              for (const l of this.listeners) l({ at, agent: i, type: String(parsed.type), data: parsed })
            }
            end = buf.indexOf('\n\n')
          }
        }
      } catch {
        // aborted or agent gone
      }
    })()
  }

  /** Start agent `i` again on its data dir (after a kill), joining the first live agent. */
  async restart(i: number, preset: 'lan' | 'local'): Promise<void> {
    const old = this.agents[i] as AgentProcess
    const join = this.agents.find(
      (a, j) => j !== i && a.info !== undefined && a.pid !== undefined,
    ) as AgentProcess
    const again = new AgentProcess(old.name, old.dataDir)
    this.retired.push(old)
    this.agents[i] = again
    await startAsAgent(again, [...COMMON, '--join', join.joinAddr()], { preset, timeoutMs: 60_000 })
  }

  onEvent(listener: (e: WatchedEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  async post(agent: number, path: string, body: unknown): Promise<number> {
    const a = this.agents[agent] as AgentProcess
    const r = await fetch(`http://${a.info?.http}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    })
    await r.arrayBuffer()
    return r.status
  }

  async stop(): Promise<void> {
    for (const c of this.controllers) c.abort()
    await Promise.all([...this.agents, ...this.retired].map((a) => a.cleanup()))
  }
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[idx] as number
}
