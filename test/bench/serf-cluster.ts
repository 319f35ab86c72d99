import { type ChildProcess, spawn } from 'node:child_process'
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
    if (i > 0) args.push(`-join=127.0.0.1:${basePort}`)
    const child = spawn('serf', args, { stdio: ['ignore', 'ignore', 'pipe'] })
    nodes.push({ name: `serf-${i}`, bind, rpcAddr, child })
  }
  // Connect RPC (retry until each agent listens), then wait for full membership.
  for (const node of nodes) {
    const deadline = performance.now() + 30_000
    for (;;) {
      try {
        node.rpc = await SerfRpc.connect(node.rpcAddr)
        break
      } catch (e) {
        if (performance.now() > deadline)
          throw new Error(`serf ${node.name} RPC not up: ${(e as Error).message}`)
        await new Promise((r) => setTimeout(r, 100))
      }
    }
  }
  const deadline = performance.now() + 60_000
  for (;;) {
    const counts = await Promise.all(
      nodes.map(async (x) => (await (x.rpc as SerfRpc).members()).filter((m) => m.Status === 'alive').length),
    )
    if (counts.every((c) => c === n)) break
    if (performance.now() > deadline) throw new Error(`serf cluster did not form: ${counts.join(',')}`)
    await new Promise((r) => setTimeout(r, 200))
  }
  return nodes
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
