import { execFileSync } from 'node:child_process'
import { requireTool } from '../setup/tools.ts'

/**
 * The only door to `ip` for the fleet harness. Every command that changes anything names a
 * network namespace that carries this project's prefix (`gvt<pid>-`), either with `ip -n NS`
 * or as the argument of `ip netns add|del`. There is deliberately no function that runs a
 * changing `ip` command without a namespace, so the harness cannot alter the machine's own
 * interfaces, routes or multicast groups; `rootSnapshot` only reads them, for the test that
 * proves it.
 */

/** Namespaces of every run start with this; the pid of the run that made them follows. */
export const NS_PREFIX = 'gvt'
const NS_NAME = /^gvt(\d+)-[a-z0-9]+$/

let ipPath: string | undefined
function ipBin(): string {
  ipPath ??= requireTool('ip')
  return ipPath
}

function run(args: readonly string[]): string {
  try {
    return execFileSync(ipBin(), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (e) {
    const err = e as { stderr?: string; message: string }
    throw new Error(`ip ${args.join(' ')} failed: ${(err.stderr ?? err.message).trim()}`)
  }
}

/** Throws unless `ns` is a namespace name of this project (the guard every writer goes through). */
export function assertOwnNamespace(ns: string): void {
  if (!NS_NAME.test(ns)) throw new Error(`refusing to touch "${ns}": not a fleet-test namespace (${NS_NAME})`)
}

/** `ip -n NS ARGS...`: runs inside the namespace, never in the machine's own. */
export function ipIn(ns: string, ...args: string[]): string {
  assertOwnNamespace(ns)
  return run(['-n', ns, ...args])
}

export function addNamespace(ns: string): void {
  assertOwnNamespace(ns)
  run(['netns', 'add', ns])
}

export function deleteNamespace(ns: string): void {
  assertOwnNamespace(ns)
  run(['netns', 'del', ns])
}

/** Names of every namespace that looks like ours (any run), with the pid of the run. */
export function listFleetNamespaces(): Array<{ name: string; runPid: number }> {
  const out: Array<{ name: string; runPid: number }> = []
  for (const line of run(['netns', 'list']).split('\n')) {
    const name = line.trim().split(/\s+/)[0] ?? ''
    const m = NS_NAME.exec(name)
    if (m !== null) out.push({ name, runPid: Number(m[1]) })
  }
  return out
}

/** PIDs of the processes living in one of our namespaces. */
export function namespacePids(ns: string): number[] {
  assertOwnNamespace(ns)
  return run(['netns', 'pids', ns])
    .split('\n')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n > 0)
}

/** Read-only view of the machine's own namespace (links, addresses, routes, multicast groups). */
export function rootSnapshot(): string {
  return [
    run(['-o', 'link', 'show']),
    run(['-o', 'addr', 'show']),
    run(['route', 'show', 'table', 'all']),
    run(['maddr', 'show']),
  ].join('\n')
}

/** The `ip` binary, for `ip netns exec` spawns. */
export function ipCommand(): string {
  return ipBin()
}
