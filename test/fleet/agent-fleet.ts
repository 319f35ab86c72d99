import { Fleet } from './fleet.ts'
import { FleetAgent, type FleetAgentOptions } from './fleet-agent.ts'

/**
 * A namespace fleet with one agent per host, and the questions the drills ask of all of them.
 * Every answer is read through each agent's own HTTP API, from inside its own host.
 */
export class AgentFleet {
  readonly fleet: Fleet
  readonly agents: FleetAgent[]

  private constructor(fleet: Fleet, agents: FleetAgent[]) {
    this.fleet = fleet
    this.agents = agents
  }

  /** Build `count` hosts and start an agent on each, all at once. */
  static async start(count: number, options: FleetAgentOptions = {}): Promise<AgentFleet> {
    const fleet = Fleet.create(count)
    try {
      const agents = await Promise.all(fleet.hosts.map((h) => FleetAgent.start(fleet, h, options)))
      return new AgentFleet(fleet, agents)
    } catch (e) {
      await fleet.close()
      throw e
    }
  }

  agent(name: string): FleetAgent {
    const a = this.agents.find((x) => x.name === name)
    if (a === undefined) throw new Error(`no agent on ${name}`)
    return a
  }

  /** True when each of `observers` lists each of `peers` in `state`. */
  async allSee(
    observers: readonly FleetAgent[],
    peers: readonly FleetAgent[],
    state: string | ((s: string | undefined) => boolean),
  ): Promise<boolean> {
    const want = typeof state === 'string' ? (s: string | undefined) => s === state : state
    const answers = await Promise.all(observers.map((o) => o.members()))
    return answers.every((members) =>
      peers.every((p) => want(members.find((m) => m.peerId === p.peerId)?.state)),
    )
  }

  /** The canonical listings of `agents` when they are all equal, else undefined. */
  async agreed(agents: readonly FleetAgent[] = this.agents): Promise<string | undefined> {
    const listings = await Promise.all(agents.map((a) => a.listing()))
    return listings.every((l) => l === listings[0]) ? listings[0] : undefined
  }

  async close(): Promise<void> {
    await this.fleet.close()
  }
}
