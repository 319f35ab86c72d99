/**
 * `npm run bench -- idle`: what a quiet fleet costs. 20 agents (separate processes, default
 * `lan` timing, mDNS off, --join) with 100 instances between them, measured at steady state
 * over a fixed window: RSS and CPU per agent from /proc, and bytes per second on the wire.
 * To count only the fleet's own traffic, the whole benchmark re-runs itself inside a private
 * network namespace (only `lo`, created and deleted here), whose loopback counters then hold
 * nothing else. Needs root and iproute2 (installed by the test setup).
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { seededRandom } from '../helpers/prng.ts'
import { requireTool } from '../setup/tools.ts'
import { GrapevineCluster } from './grapevine-cluster.ts'

const AGENTS = Number(process.env.GV_IDLE_AGENTS ?? 20)
const INSTANCES = Number(process.env.GV_IDLE_INSTANCES ?? 100)
const WINDOW_MS = Number(process.env.GV_IDLE_WINDOW_MS ?? 30_000)
const SETTLE_MS = Number(process.env.GV_IDLE_SETTLE_MS ?? 10_000)

function emit(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ bench: 'idle', ...line })}\n`)
}

function loBytes(): number {
  const line = readFileSync('/proc/net/dev', 'utf8')
    .split('\n')
    .find((l) => l.trim().startsWith('lo:'))
  if (line === undefined) throw new Error('no lo in /proc/net/dev')
  const f = line.split(':')[1]?.trim().split(/\s+/).map(Number) ?? []
  return (f[0] ?? 0) + (f[8] ?? 0) // rx bytes + tx bytes (each packet counted once each way on lo)
}

function procCpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return Number(fields[11]) + Number(fields[12]) // utime + stime
}

function procRssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return Number(m?.[1] ?? 0)
}

async function inside(): Promise<void> {
  const random = seededRandom(3)
  const cluster = await GrapevineCluster.start(AGENTS, { preset: 'lan', random })
  try {
    await cluster.waitFormed(180_000)
    for (let i = 0; i < INSTANCES; i++) {
      const status = await cluster.post(i % AGENTS, '/v1/instances', {
        service: `svc-${i % 10}`,
        address: '127.0.0.1',
        port: 30_000 + i,
      })
      if (status !== 201) throw new Error(`registration answered ${status}`)
    }
    await new Promise((r) => setTimeout(r, SETTLE_MS)) // deliberate: let start-up syncs and bursts finish
    const pids = cluster.agents.map((a) => a.pid as number)
    const hz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())
    const cpu0 = pids.map(procCpuTicks)
    const bytes0 = loBytes()
    const t0 = performance.now()
    await new Promise((r) => setTimeout(r, WINDOW_MS)) // the measurement window itself
    const seconds = (performance.now() - t0) / 1000
    const bytes = (loBytes() - bytes0) / 2 // lo counts each byte as sent and received
    const cpu = pids.map((p, i) => (procCpuTicks(p) - (cpu0[i] as number)) / hz / seconds)
    const rss = pids.map(procRssKiB)
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
    emit({
      figure: 'rss_per_agent',
      value: Math.round(avg(rss) / 1024),
      unit: 'MiB',
      agents: AGENTS,
      instances: INSTANCES,
    })
    emit({ figure: 'rss_max_agent', value: Math.round(Math.max(...rss) / 1024), unit: 'MiB' })
    emit({ figure: 'cpu_per_agent', value: Number((avg(cpu) * 100).toFixed(2)), unit: '% of one core' })
    emit({
      figure: 'cpu_max_agent',
      value: Number((Math.max(...cpu) * 100).toFixed(2)),
      unit: '% of one core',
    })
    emit({
      figure: 'wire_bytes_per_agent',
      value: Math.round(bytes / seconds / AGENTS),
      unit: 'bytes/s',
      windowSeconds: Math.round(seconds),
    })
    emit({ figure: 'wire_bytes_fleet', value: Math.round(bytes / seconds), unit: 'bytes/s' })
  } finally {
    await cluster.stop()
  }
}

if (process.argv.includes('--inside')) {
  await inside()
} else {
  if (process.getuid?.() !== 0)
    throw new Error('the idle benchmark needs root (it creates a private network namespace)')
  const ip = requireTool('ip')
  const ns = `gvidle${process.pid}`
  emit({
    note: `Idle cost: ${AGENTS} agents, ${INSTANCES} instances, default lan timing (1 s heartbeats, anti-entropy every 10 s), measured over ${WINDOW_MS / 1000} s at steady state inside a private network namespace so its loopback counters hold only the fleet's traffic.`,
  })
  execFileSync(ip, ['netns', 'add', ns])
  try {
    execFileSync(ip, ['-n', ns, 'link', 'set', 'lo', 'up'])
    const r = spawnSync(
      ip,
      ['netns', 'exec', ns, process.execPath, new URL(import.meta.url).pathname, '--inside'],
      {
        stdio: ['ignore', 'inherit', 'inherit'],
        timeout: 600_000,
      },
    )
    if (r.status !== 0) process.exitCode = 1
  } finally {
    execFileSync(ip, ['netns', 'del', ns])
  }
}
