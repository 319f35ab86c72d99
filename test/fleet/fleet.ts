import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CourierClient } from './courier-client.ts'
import { HostProcess, type HostProcessInit } from './host-process.ts'
import { addNamespace, deleteNamespace, ipIn, NS_PREFIX, namespacePids } from './ip.ts'
import { sweepStaleNamespaces } from './sweep.ts'

/**
 * A fleet of test hosts, each a network namespace, cabled to a switch that lives in a namespace
 * of its own:
 *
 *   gvt<pid>-h1 [eth0 10.250.R.11] ──veth── h1 ┐
 *   gvt<pid>-h2 [eth0 10.250.R.12] ──veth── h2 ├─ br0   (in gvt<pid>-br)
 *   ...                                        ┘  br1   (the far side of a partition)
 *
 * Nothing is created in the machine's own namespace: both veth ends are created directly in
 * their namespaces (`ip -n <br> link add hN type veth peer name eth0 netns <host>`), and every
 * changing `ip` call goes through the guard in ip.ts. A partition moves the hosts of one side
 * onto br1 (packets to the other side vanish, no TCP reset, as with a cut cable); `linkDown`
 * sets a host's switch port down (a pulled cable). Teardown is synchronous, kills every process
 * the fleet started by PID (process group), deletes the namespaces and the temp dirs, and also
 * runs on process exit and SIGINT/SIGTERM.
 */

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)))
export const NODE_BIN = join(REPO_ROOT, 'node_modules', '.bin', 'node')

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // exited meanwhile
  }
}

export interface Host {
  readonly name: string
  readonly ns: string
  readonly ip: string
  /** The host's port on the switch (inside the bridge namespace). */
  readonly port: string
  /** HTTP from inside this host's namespace. */
  readonly courier: CourierClient
}

export class Fleet {
  readonly prefix: string
  readonly subnet: string
  readonly bridgeNs: string
  readonly hosts: Host[] = []
  readonly tmp: string
  private readonly processes: HostProcess[] = []
  private readonly namespaces: string[] = []
  private torn = false
  private readonly onExit = (): void => this.teardown()
  private readonly onSignal = (sig: NodeJS.Signals): void => {
    this.teardown()
    process.exit(sig === 'SIGINT' ? 130 : 143)
  }

  private constructor(runId: number) {
    this.prefix = `${NS_PREFIX}${process.pid}-`
    // Addresses exist only inside the namespaces; the third octet just tells runs apart in logs.
    this.subnet = `10.250.${runId % 250}`
    this.bridgeNs = `${this.prefix}br`
    this.tmp = mkdtempSync(join(tmpdir(), this.prefix))
    process.once('exit', this.onExit)
    process.once('SIGINT', this.onSignal)
    process.once('SIGTERM', this.onSignal)
  }

  /** Builds the switch and `count` hosts (h1..hN). Sweeps namespaces left by crashed runs first. */
  static create(count: number): Fleet {
    if (process.getuid?.() !== 0) {
      throw new Error(
        'fleet tests build network namespaces and need root (and iproute2); run `npm run test:fleet` as root',
      )
    }
    sweepStaleNamespaces()
    const fleet = new Fleet(process.pid)
    try {
      fleet.addNamespace(fleet.bridgeNs)
      ipIn(fleet.bridgeNs, 'link', 'set', 'lo', 'up')
      for (const br of ['br0', 'br1']) {
        ipIn(fleet.bridgeNs, 'link', 'add', br, 'type', 'bridge')
        ipIn(fleet.bridgeNs, 'link', 'set', br, 'up')
      }
      for (let i = 1; i <= count; i++) fleet.addHost()
    } catch (e) {
      fleet.teardown()
      throw e
    }
    return fleet
  }

  private addNamespace(ns: string): void {
    addNamespace(ns)
    this.namespaces.push(ns)
  }

  /** One more host on br0 (e.g. the outsider). */
  addHost(): Host {
    const n = this.hosts.length + 1
    const name = `h${n}`
    const ns = `${this.prefix}${name}`
    const ip = `${this.subnet}.${10 + n}`
    this.addNamespace(ns)
    ipIn(this.bridgeNs, 'link', 'add', name, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns)
    ipIn(this.bridgeNs, 'link', 'set', name, 'master', 'br0')
    ipIn(this.bridgeNs, 'link', 'set', name, 'up')
    ipIn(ns, 'link', 'set', 'lo', 'up')
    ipIn(ns, 'addr', 'add', `${ip}/24`, 'dev', 'eth0')
    ipIn(ns, 'link', 'set', 'eth0', 'up')
    // mDNS: multicast leaves through the host's own veth (there is no default route here).
    ipIn(ns, 'route', 'add', '224.0.0.0/4', 'dev', 'eth0')
    const courier = new CourierClient({ ns, cwd: REPO_ROOT, nodeBin: NODE_BIN })
    this.processes.push(courier.process)
    const host: Host = { name, ns, ip, port: name, courier }
    this.hosts.push(host)
    return host
  }

  host(name: string): Host {
    const h = this.hosts.find((x) => x.name === name)
    if (h === undefined) throw new Error(`no host ${name}`)
    return h
  }

  /** Start a process inside a host's namespace; teardown kills it. */
  spawn(host: Host, init: Omit<HostProcessInit, 'ns' | 'cwd'>): HostProcess {
    const p = new HostProcess({ ...init, ns: host.ns, cwd: REPO_ROOT })
    this.processes.push(p)
    return p
  }

  /** Run a short command inside a host (e.g. dig) and return its stdout lines once it exits. */
  async run(host: Host, argv: readonly string[], timeoutMs = 10_000): Promise<string[]> {
    const p = this.spawn(host, { argv })
    await p.waitExit(timeoutMs)
    if (p.exit?.code !== 0) throw new Error(`${argv.join(' ')} in ${host.name} failed: ${p.tail()}`)
    return p.text.filter((l) => !l.startsWith('stderr: '))
  }

  /** Pull a host's cable: its switch port goes down; nobody gets a reset. */
  linkDown(host: Host): void {
    ipIn(this.bridgeNs, 'link', 'set', host.port, 'down')
  }

  linkUp(host: Host): void {
    ipIn(this.bridgeNs, 'link', 'set', host.port, 'up')
  }

  /** Cut the fleet in two: `side` moves to br1, everyone else stays on br0. */
  partition(side: readonly Host[]): void {
    for (const h of side) ipIn(this.bridgeNs, 'link', 'set', h.port, 'master', 'br1')
  }

  /** Every host back on br0. */
  heal(): void {
    for (const h of this.hosts) ipIn(this.bridgeNs, 'link', 'set', h.port, 'master', 'br0')
  }

  /** A fresh directory under this run's temp dir (removed by teardown). */
  dir(name: string): string {
    return mkdtempSync(join(this.tmp, `${name}-`))
  }

  /** PIDs of every process this fleet started that is still running. */
  livePids(): number[] {
    return this.processes.filter((p) => p.alive).map((p) => p.pid)
  }

  /** Teardown, then wait until every process we started has exited (and been reaped). */
  async close(timeoutMs = 10_000): Promise<void> {
    this.teardown()
    await Promise.all(this.processes.map((p) => p.waitExit(timeoutMs)))
  }

  /** Synchronous and idempotent: kill our processes, delete our namespaces, remove temp dirs. */
  teardown(): void {
    if (this.torn) return
    this.torn = true
    for (const h of this.hosts) h.courier.close()
    for (const p of this.processes) p.killGroup()
    for (const ns of [...this.namespaces].reverse()) {
      try {
        // Anything still inside one of our namespaces descends from a process we started.
        for (const pid of namespacePids(ns)) killQuietly(pid)
        deleteNamespace(ns)
      } catch {
        // already gone
      }
    }
    rmSync(this.tmp, { recursive: true, force: true })
    process.removeListener('exit', this.onExit)
    process.removeListener('SIGINT', this.onSignal)
    process.removeListener('SIGTERM', this.onSignal)
  }
}
