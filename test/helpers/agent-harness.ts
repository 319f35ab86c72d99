import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { Agent } from '../../agent/agent.ts'
import { loadConfig, type RawConfig } from '../../agent/config/load.ts'

/**
 * Real agents in this process on loopback (preset `local`: ephemeral ports, mDNS off, fast
 * timers). Each gets its own data dir, removed by `stopAll`.
 */
export class AgentHarness {
  readonly agents: Agent[] = []
  private readonly dirs: string[] = []

  async start(name: string, flags: RawConfig = {}, dataDir?: string): Promise<Agent> {
    const dir = dataDir ?? mkdtempSync(join(tmpdir(), `gv-agent-${name}-`))
    if (dataDir === undefined) this.dirs.push(dir)
    const config = loadConfig({
      preset: 'local',
      flags: { nodeName: name, dataDir: dir, advertiseAddress: '127.0.0.1', ...flags },
    })
    const agent = await Agent.create(config, { logger: pino({ level: process.env.GV_TEST_LOG ?? 'silent' }) })
    await agent.start()
    this.agents.push(agent)
    return agent
  }

  /** The first `/p2p/` multiaddr of an agent, for `join`. */
  static joinAddr(agent: Agent): string {
    const addr = agent.gossip.multiaddrs().find((a) => a.includes('/p2p/'))
    if (addr === undefined) throw new Error('agent has no /p2p/ multiaddr')
    return addr
  }

  async stopAll(opts: { leave?: boolean } = {}): Promise<void> {
    await Promise.allSettled(this.agents.map((a) => a.stop(opts)))
    this.agents.length = 0
    for (const d of this.dirs) rmSync(d, { recursive: true, force: true })
    this.dirs.length = 0
  }
}

export async function http<T = unknown>(
  agent: Agent,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(`http://${agent.httpAddr()}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    signal: AbortSignal.timeout(10_000),
  })
  const text = await res.text()
  return { status: res.status, body: (text === '' ? undefined : JSON.parse(text)) as T, headers: res.headers }
}
