/**
 * `npm run bench -- http`: req/s and p99 latency of `GET /v1/services/:name` for a service with
 * 3 and with 100 instances, against a bare fastify route serving the same JSON bytes, in the
 * same run on the same machine. Goal: the API reaches at least 0.8× the bare route's req/s.
 *
 * The servers run in this process; the load generator (autocannon, programmatic API) runs in a
 * separate child process (this file with `--load`), so it never shares the servers' event loop.
 * Everything listens on 127.0.0.1 port 0. Each measurement is bounded in time
 * (HTTP_BENCH_SECONDS per target, default 10 s, split into HTTP_BENCH_ROUNDS interleaved rounds,
 * default 10, after a 2 s warm-up per target). The machine's load average is printed with each
 * ratio: on a shared machine, read the ratio, not the absolute req/s.
 */
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import Fastify from 'fastify'
import { pino } from 'pino'
import { buildApiServer } from '../../agent/api/server.ts'
import { FakeApiPorts } from '../helpers/fake-api-ports.ts'

interface LoadResult {
  readonly reqPerSec: number
  readonly p99Ms: number
  readonly p50Ms: number
  readonly requests: number
  readonly non2xx: number
  readonly errors: number
}

type Autocannon = (
  opts: { url: string; connections: number; duration: number; pipelining: number },
  cb: (err: Error | null, result: Record<string, unknown>) => void,
) => unknown

const self = fileURLToPath(import.meta.url)
const SECONDS = Number(process.env['HTTP_BENCH_SECONDS'] ?? 10)
const WARMUP_SECONDS = 2
const ROUNDS = Math.max(1, Number(process.env['HTTP_BENCH_ROUNDS'] ?? 10))
const CONNECTIONS = 32
const GOAL = 0.8

/** Child side: run autocannon once against `url` and print its figures as one JSON line. */
async function loadMain(url: string, seconds: number): Promise<void> {
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon
  const result = await new Promise<Record<string, unknown>>((resolve, reject) => {
    autocannon({ url, connections: CONNECTIONS, duration: seconds, pipelining: 1 }, (err, r) =>
      err ? reject(err) : resolve(r),
    )
  })
  const requests = result['requests'] as { average: number; total: number }
  const latency = result['latency'] as { p99: number; p50: number }
  const out: LoadResult = {
    reqPerSec: requests.average,
    p99Ms: latency.p99,
    p50Ms: latency.p50,
    requests: requests.total,
    non2xx: Number(result['non2xx'] ?? 0),
    errors: Number(result['errors'] ?? 0),
  }
  process.stdout.write(`${JSON.stringify(out)}\n`)
}

/** Parent side: run the load generator in a child process and read its answer. */
function load(url: string, seconds: number): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [self, '--load', url, String(seconds)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8')
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 30) * 1000)
    child.on('close', (code) => {
      clearTimeout(timer)
      if (code !== 0) return reject(new Error(`load generator exited with ${code}`))
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as LoadResult)
      } catch (e) {
        reject(e)
      }
    })
  })
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] ?? 0
}

function round1(x: number): number {
  return Math.round(x * 10) / 10
}

function line(obj: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ bench: 'http', ...obj })}\n`)
}

async function main(): Promise<void> {
  const ports = new FakeApiPorts({ now: Date.now })
  for (const n of [3, 100]) {
    for (let i = 0; i < n; i++) {
      ports.putInstance({
        id: `web${n}-${i}`,
        service: `web${n}`,
        address: `10.0.${Math.floor(i / 250)}.${i % 250}`,
        port: 8000 + i,
        tags: ['http', i % 2 === 0 ? 'blue' : 'green'],
        meta: { zone: `z${i % 3}`, build: '2026.11.22' },
        version: '1.4.2',
        weight: 1 + (i % 5),
      })
    }
  }
  const logger = pino({ level: 'warn' })
  const api = buildApiServer({ ports, logger }, { bodyLimit: 1 << 20, datacenter: 'dc1', logRequests: false })
  await api.listen({ host: '127.0.0.1', port: 0 })
  const apiPort = (api.server.address() as AddressInfo).port

  // The bare route: the same bytes the API answers, from a fastify with nothing else on it.
  const bodies = new Map<number, string>()
  for (const n of [3, 100]) {
    const res = await api.inject({ method: 'GET', url: `/v1/services/web${n}` })
    bodies.set(n, res.body)
  }
  const bare = Fastify({ logger: false })
  for (const [n, body] of bodies) {
    // Pre-encoded once: the fastest a route can serve these bytes.
    const bytes = Buffer.from(body, 'utf8')
    bare.get(`/bare/${n}`, (_req, reply) => {
      reply.type('application/json; charset=utf-8').send(bytes)
    })
  }
  await bare.listen({ host: '127.0.0.1', port: 0 })
  const barePort = (bare.server.address() as AddressInfo).port

  line({
    figure: 'setup',
    load_generator: 'autocannon in a child process',
    connections: CONNECTIONS,
    seconds_per_target: SECONDS,
    rounds: ROUNDS,
  })
  try {
    for (const n of [3, 100]) {
      const urls = {
        api: `http://127.0.0.1:${apiPort}/v1/services/web${n}`,
        bare: `http://127.0.0.1:${barePort}/bare/${n}`,
      }
      await load(urls.api, WARMUP_SECONDS)
      await load(urls.bare, WARMUP_SECONDS)
      // Interleave short rounds (api, bare, then bare, api, ...) so a change in machine load
      // during the run weighs on both targets alike.
      const rounds: Record<'api' | 'bare', LoadResult[]> = { api: [], bare: [] }
      // Server CPU (this process) per request, µs: far less sensitive to other load than req/s.
      const cpuPerRequest: Record<'api' | 'bare', number[]> = { api: [], bare: [] }
      for (let r = 0; r < ROUNDS; r++) {
        const order = r % 2 === 0 ? (['api', 'bare'] as const) : (['bare', 'api'] as const)
        for (const target of order) {
          const cpu0 = process.cpuUsage()
          const result = await load(urls[target], SECONDS / ROUNDS)
          const cpu = process.cpuUsage(cpu0)
          rounds[target].push(result)
          cpuPerRequest[target].push((cpu.user + cpu.system) / Math.max(1, result.requests))
        }
      }
      const summary = (list: LoadResult[]) => ({
        reqPerSec: list.reduce((a, r) => a + r.reqPerSec, 0) / list.length,
        p99Ms: median(list.map((r) => r.p99Ms)),
        p50Ms: median(list.map((r) => r.p50Ms)),
        non2xx: list.reduce((a, r) => a + r.non2xx, 0),
        errors: list.reduce((a, r) => a + r.errors, 0),
      })
      for (let r = 0; r < ROUNDS; r++) {
        line({
          figure: 'round',
          case: `instances_${n}`,
          round: r,
          api_req_per_s: Math.round(rounds.api[r]?.reqPerSec ?? 0),
          bare_req_per_s: Math.round(rounds.bare[r]?.reqPerSec ?? 0),
        })
      }
      const ours = summary(rounds.api)
      const theirs = summary(rounds.bare)
      const bytes = Buffer.byteLength(bodies.get(n) ?? '')
      for (const [target, r] of [
        ['api', ours],
        ['bare', theirs],
      ] as const) {
        line({
          figure: 'req_per_s',
          case: `instances_${n}`,
          target,
          value: Math.round(r.reqPerSec),
          unit: 'req/s',
        })
        line({ figure: 'latency_p99', case: `instances_${n}`, target, value: r.p99Ms, unit: 'ms' })
        line({ figure: 'latency_p50', case: `instances_${n}`, target, value: r.p50Ms, unit: 'ms' })
        if (r.non2xx > 0 || r.errors > 0) {
          line({ figure: 'failures', case: `instances_${n}`, target, non2xx: r.non2xx, errors: r.errors })
        }
      }
      // Each round pairs an api run with the bare run next to it; the median of those paired
      // ratios is robust to the machine's load changing between rounds.
      const ratio = median(rounds.api.map((r, i) => r.reqPerSec / (rounds.bare[i]?.reqPerSec ?? Number.NaN)))
      const ratioOfMeans = ours.reqPerSec / theirs.reqPerSec
      const cpuApi = median(cpuPerRequest.api)
      const cpuBare = median(cpuPerRequest.bare)
      line({
        figure: 'server_cpu_per_request',
        case: `instances_${n}`,
        target: 'api',
        value: round1(cpuApi),
        unit: 'us',
      })
      line({
        figure: 'server_cpu_per_request',
        case: `instances_${n}`,
        target: 'bare',
        value: round1(cpuBare),
        unit: 'us',
      })
      line({
        figure: 'ratio_vs_bare',
        case: `instances_${n}`,
        value: Math.round(ratio * 1000) / 1000,
        goal: GOAL,
        met: ratio >= GOAL,
        ratio_of_means: Math.round(ratioOfMeans * 1000) / 1000,
        // The req/s ratio the API would reach if the server's CPU were the only limit.
        cpu_ratio: Math.round((cpuBare / cpuApi) * 1000) / 1000,
        met_by_cpu: cpuBare / cpuApi >= GOAL,
        body_bytes: bytes,
        load_average: Math.round(os.loadavg()[0]! * 100) / 100,
      })
    }
  } finally {
    await api.close()
    await bare.close()
  }
}

if (process.argv[2] === '--load') {
  await loadMain(process.argv[3] ?? '', Number(process.argv[4] ?? 1))
} else {
  await main()
}
