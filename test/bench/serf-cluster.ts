import { type ChildProcess, spawn } from 'node:child_process'
import os from 'node:os'
import { runAsAgent } from './observer.ts'
import { SerfRpc } from './serf-rpc.ts'

/**
 * N Serf agents on 127.0.0.1 (the Debian `serf` package), each with its own bind and RPC port,
 * all joining the first. Killed by PID in `stop`.
 */
export interface SerfNode {
  readonly name: string
  readonly bind: string
  readonly rpcAddr: string
  readonly child: ChildProcess
  rpc?: SerfRpc
}

export async function startSerfCluster(
  n: number,
  basePort: number,
  profile: 'lan' | 'local' = 'lan',
): Promise<SerfNode[]> {
  const nodes: SerfNode[] = []
  for (let i = 0; i < n; i++) {
    const bind = `127.0.0.1:${basePort + 2 * i}`
    const rpcAddr = `127.0.0.1:${basePort + 2 * i + 1}`
    const args = [
      'agent',
      `-node=serf-${i}`,
      `-bind=${bind}`,
      `-rpc-addr=${rpcAddr}`,
      `-profile=${profile}`,
      '-log-level=err',
    ]
    // -retry-join: a plain -join that runs before the first agent listens makes serf exit.
    if (i > 0) args.push(`-retry-join=127.0.0.1:${basePort}`, '-retry-interval=1s')
    const child = spawn('serf', args, { stdio: ['ignore', 'ignore', 'pipe'] })
    runAsAgent(child.pid)
    nodes.push({ name: `serf-${i}`, bind, rpcAddr, child })
  }
  try {
    // Connect RPC (retry until each agent listens), then wait for full membership.
    for (const node of nodes) await connectRpc(node)
    const deadline = performance.now() + 120_000
    for (;;) {
      const counts = await Promise.all(
        nodes.map(
          async (x) => (await (x.rpc as SerfRpc).members()).filter((m) => m.Status === 'alive').length,
        ),
      )
      if (counts.every((c) => c === n)) break
      if (performance.now() > deadline) throw new Error(`serf cluster did not form: ${counts.join(',')}`)
      await new Promise((r) => setTimeout(r, 200))
    }
  } catch (err) {
    await stopSerfCluster(nodes) // never leave agents behind a failed start
    throw err
  }
  return nodes
}

/** Connect the agent's RPC, retrying until it listens (30 s). */
async function connectRpc(node: SerfNode): Promise<void> {
  const deadline = performance.now() + 30_000
  for (;;) {
    try {
      node.rpc = await SerfRpc.connect(node.rpcAddr)
      return
    } catch (e) {
      if (performance.now() > deadline)
        throw new Error(`serf ${node.name} RPC not up: ${(e as Error).message}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }
}

export async function stopSerfCluster(nodes: readonly SerfNode[]): Promise<void> {
  for (const node of nodes) {
    node.rpc?.close()
    if (node.child.exitCode === null && node.child.signalCode === null) {
      const exited = new Promise((r) => node.child.once('exit', r))
      node.child.kill('SIGKILL')
      await exited
    }
  }
}

/** Start node `i` again (after a kill) joining another live node; reconnects its RPC. */
export async function restartSerfNode(
  nodes: SerfNode[],
  i: number,
  profile: 'lan' | 'local' = 'lan',
): Promise<SerfNode> {
  const old = nodes[i] as SerfNode
  old.rpc?.close()
  const peer = nodes.find(
    (x, j) => j !== i && x.child.exitCode === null && x.child.signalCode === null,
  ) as SerfNode
  const child = spawn(
    'serf',
    [
      'agent',
      `-node=${old.name}`,
      `-bind=${old.bind}`,
      `-rpc-addr=${old.rpcAddr}`,
      `-profile=${profile}`,
      '-log-level=err',
      `-retry-join=${peer.bind}`,
      '-retry-interval=1s',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  runAsAgent(child.pid)
  const node: SerfNode = { name: old.name, bind: old.bind, rpcAddr: old.rpcAddr, child }
  await connectRpc(node)
  nodes[i] = node
  return node
}

/** Resolves once every live node lists all nodes alive. */
export async function waitSerfFormed(nodes: readonly SerfNode[], timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    const counts = await Promise.all(
      nodes.map(async (x) => (await (x.rpc as SerfRpc).members()).filter((m) => m.Status === 'alive').length),
    )
    if (counts.every((c) => c === nodes.length)) return
    if (performance.now() > deadline) throw new Error(`serf cluster did not re-form: ${counts.join(',')}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

/** After a fleet that overloaded the machine: wait (≤ 90 s) for the load to fall before the next. */
export async function quiet(): Promise<void> {
  const deadline = performance.now() + 90_000
  while ((os.loadavg()[0] ?? 0) > 2 * os.availableParallelism() && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1_000))
  }
}

/**
 * Hands out Serf port ranges and runs `run` on a fresh one; if it throws (an agent did not come
 * up: a port taken), once more on a range 1,000 higher after the machine quietened.
 */
export class SerfPorts {
  private port: number

  constructor(base: number) {
    this.port = base
  }

  async run<T>(n: number, run: (basePort: number) => Promise<T>, note: (text: string) => void): Promise<T> {
    try {
      return await run(this.port)
    } catch (err) {
      note(
        `Serf at N=${n} did not start on ports from ${this.port} (${String(err).slice(0, 160)}); retrying on another range.`,
      )
      this.port += 1_000
      await quiet()
      return await run(this.port)
    } finally {
      this.port += 2 * n + 10
    }
  }
}
