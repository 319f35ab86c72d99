/**
 * `npm run bench -- checks`: one HealthScheduler running 500 checks (250 HTTP, 250 TCP) at a 1 s
 * interval against local targets for a bounded window, measuring this process's CPU (% of one
 * core, from process.cpuUsage over the window: every thread of the process that runs the
 * checks, and nothing else: the targets run in a child process, and the bench itself sleeps
 * through the window), RSS, and checks completed per second. Goal: under 10% of one core.
 * The floor, measured in the same run just before and just after the scheduler's window: the
 * same connections (and HTTP requests, the same bytes, the answer read but not parsed) at the
 * same rate, in bursts on the same grid as the scheduler's wakeups, with bare node:net sockets
 * and no scheduler. Their mean is
 * printed beside the result so the scheduler's own share is visible.
 * Env: BENCH_CHECKS_SECONDS (window, default 20), BENCH_CHECKS_COUNT (default 500),
 * BENCH_CHECKS_TYPES (default `http,tcp`: alternate; `tcp` or `http` alone to see each cost).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import http from 'node:http'
import net from 'node:net'
import { fileURLToPath } from 'node:url'
import pino from 'pino'
import { Registry } from 'prom-client'
import { HealthScheduler, SCHEDULE_GRID_MS } from '../../agent/health/scheduler.ts'

const self = fileURLToPath(import.meta.url)

if (process.argv.includes('--targets')) {
  // Child: an HTTP server answering 200 and a TCP listener, both on 127.0.0.1 port 0.
  const httpServer = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok')
  })
  const tcpServer = net.createServer((s) => {
    s.on('error', () => {})
    s.end()
  })
  await new Promise<void>((r) => httpServer.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, r))
  await new Promise<void>((r) => tcpServer.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, r))
  const port = (s: http.Server | net.Server) => (s.address() as net.AddressInfo).port
  process.stdout.write(`${JSON.stringify({ http: port(httpServer), tcp: port(tcpServer) })}\n`)
  // Exit with the parent: stdin closes when it goes away.
  process.stdin.resume()
  process.stdin.on('close', () => process.exit(0))
  process.stdin.on('end', () => process.exit(0))
} else {
  await main()
}

function line(
  figure: string,
  value: number | boolean,
  unit: string,
  extra: Record<string, unknown> = {},
): void {
  process.stdout.write(`${JSON.stringify({ bench: 'checks', figure, value, unit, ...extra })}\n`)
}

async function startTargets(): Promise<{ child: ChildProcess; http: number; tcp: number }> {
  const child = spawn(process.execPath, [self, '--targets'], { stdio: ['pipe', 'pipe', 'inherit'] })
  const ports = await new Promise<{ http: number; tcp: number }>((resolve, reject) => {
    let buf = ''
    const timer = setTimeout(() => reject(new Error('targets did not start within 10 s')), 10_000)
    child.stdout?.on('data', (c: Buffer) => {
      buf += c.toString('utf8')
      const nl = buf.indexOf('\n')
      if (nl >= 0) {
        clearTimeout(timer)
        resolve(JSON.parse(buf.slice(0, nl)))
      }
    })
    child.once('exit', (code) => reject(new Error(`targets exited with ${code}`)))
  })
  return { child, ...ports }
}

async function resultTotals(metrics: Registry): Promise<{ total: number; notPassing: number }> {
  const m = await metrics.getSingleMetric('grapevine_check_results_total')?.get()
  let total = 0
  let notPassing = 0
  for (const v of m?.values ?? []) {
    total += v.value
    if (v.labels.status !== 'passing') notPassing += v.value
  }
  return { total, notPassing }
}

/**
 * The platform floor: the same mix of fresh connections (and HTTP requests) at the same rate,
 * in bursts on the scheduler's grid (one timer), with bare sockets, no HTTP parsing and no
 * scheduler, so the checks' own cost can be told apart from what the kernel and node:net charge
 * for the connections themselves.
 */
async function measureFloor(
  ports: { http: number; tcp: number },
  types: readonly string[],
  perSecond: number,
  seconds: number,
): Promise<number> {
  // The same request bytes the probe sends; the answer is read to the end and not parsed.
  const request = Buffer.from(
    `GET /health HTTP/1.1\r\nuser-agent: grapevine-health-check\r\nhost: 127.0.0.1:${ports.http}\r\nconnection: close\r\n\r\n`,
  )
  let i = 0
  const one = (): void => {
    if (types[i++ % types.length] === 'http') {
      const s = net.connect(ports.http, '127.0.0.1')
      s.on('data', () => {})
      s.once('end', () => s.destroy())
      s.once('error', () => {})
      s.write(request)
    } else {
      const s = net.connect(ports.tcp, '127.0.0.1')
      s.once('connect', () => s.destroy())
      s.once('error', () => {})
    }
  }
  // One burst per grid step, like the scheduler's wakeups.
  const batch = (perSecond * SCHEDULE_GRID_MS) / 1000
  let owed = 0
  const timer = setInterval(() => {
    owed += batch
    for (; owed >= 1; owed--) one()
  }, SCHEDULE_GRID_MS)
  await new Promise((r) => setTimeout(r, 2_000))
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  await new Promise((r) => setTimeout(r, seconds * 1000))
  const cpu = process.cpuUsage(cpu0)
  const wall = performance.now() - t0
  clearInterval(timer)
  return ((cpu.user + cpu.system) / 1000 / wall) * 100
}

async function main(): Promise<void> {
  const seconds = Number(process.env.BENCH_CHECKS_SECONDS ?? 20)
  const count = Number(process.env.BENCH_CHECKS_COUNT ?? 500)
  const types = (process.env.BENCH_CHECKS_TYPES ?? 'http,tcp').split(',')
  const targets = await startTargets()
  const floorSeconds = Math.min(seconds, 10)
  const floorBefore = await measureFloor(targets, types, count, floorSeconds)
  const metrics = new Registry()
  // Seeded spread of first runs (mulberry32), so runs are comparable.
  let seed = 0x5eed
  const random = (): number => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = seed
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const scheduler = new HealthScheduler(
    { logger: pino({ level: 'warn' }), now: Date.now, metrics, random },
    { scriptChecksEnabled: false },
  )
  for (let i = 0; i < count; i++) {
    const def =
      types[i % types.length] === 'http'
        ? {
            id: `c${i}`,
            type: 'http',
            url: `http://127.0.0.1:${targets.http}/health`,
            interval: '1s',
            timeout: '1s',
          }
        : { id: `c${i}`, type: 'tcp', target: `127.0.0.1:${targets.tcp}`, interval: '1s', timeout: '1s' }
    scheduler.setChecks(`svc-${i}`, [def])
  }
  const rssIdle = process.memoryUsage.rss()
  await scheduler.start()
  // Warm up: every check has had its first (spread) run and the JIT has settled.
  await new Promise((r) => setTimeout(r, 3_000))

  const before = await resultTotals(metrics)
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  // One sleep for the window: nothing of the bench itself runs while it is measured
  // (unless BENCH_CHECKS_TRACE=1 asks for memory every 5 s on stderr).
  const trace =
    process.env.BENCH_CHECKS_TRACE === '1'
      ? setInterval(() => {
          const m = process.memoryUsage()
          const mb = (n: number) => (n / 1024 / 1024).toFixed(1)
          process.stderr.write(
            `rss ${mb(m.rss)} heapUsed ${mb(m.heapUsed)} heapTotal ${mb(m.heapTotal)} external ${mb(m.external)}\n`,
          )
        }, 5_000)
      : undefined
  await new Promise((r) => setTimeout(r, seconds * 1000))
  clearInterval(trace)
  const wallMs = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  const rssNow = process.memoryUsage.rss()
  const rssMax = process.resourceUsage().maxRSS * 1024
  const after = await resultTotals(metrics)
  const failing = scheduler.list().find((c) => c.status !== 'passing')
  await scheduler.stop()
  const floorAfter = await measureFloor(targets, types, count, floorSeconds)
  const floor = (floorBefore + floorAfter) / 2
  targets.child.stdin?.end()
  targets.child.kill('SIGTERM')

  const cpuPercent = ((cpu.user + cpu.system) / 1000 / wallMs) * 100
  const checksPerSecond = (after.total - before.total) / (wallMs / 1000)
  const http = Math.ceil((count * types.filter((t) => t === 'http').length) / types.length)
  const config = {
    checks: count,
    http,
    tcp: count - http,
    interval: '1s',
    windowS: seconds,
  }
  line('cpu_percent_one_core', Number(cpuPercent.toFixed(2)), '%', config)
  line('cpu_user_ms', Math.round(cpu.user / 1000), 'ms')
  line('cpu_system_ms', Math.round(cpu.system / 1000), 'ms')
  line('rss_mb', Number((rssNow / 1024 / 1024).toFixed(1)), 'MiB')
  line('rss_peak_mb', Number((rssMax / 1024 / 1024).toFixed(1)), 'MiB')
  line('rss_before_start_mb', Number((rssIdle / 1024 / 1024).toFixed(1)), 'MiB')
  line('checks_per_second', Number(checksPerSecond.toFixed(1)), 'checks/s', { expected: count })
  line('results_not_passing', after.notPassing - before.notPassing, 'results', {
    ...(failing !== undefined ? { example: failing.output } : {}),
  })
  line('floor_cpu_percent_one_core', Number(floor.toFixed(2)), '%', {
    note: 'same connections at the same rate, same bursts, bare sockets, no scheduler; mean of before and after',
    before: Number(floorBefore.toFixed(2)),
    after: Number(floorAfter.toFixed(2)),
    gridMs: SCHEDULE_GRID_MS,
  })
  line('scheduler_overhead_percent_points', Number((cpuPercent - floor).toFixed(2)), '%')
  line('goal_cpu_under_10_percent_of_one_core', cpuPercent < 10, 'bool', {
    goal: 10,
    measured: Number(cpuPercent.toFixed(2)),
    met: cpuPercent < 10,
  })
}
