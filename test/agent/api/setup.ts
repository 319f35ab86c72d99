import { Writable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { pino } from 'pino'
import { type ApiServerInit, buildApiServer } from '../../../agent/api/server.ts'
import { FakeApiPorts } from '../../helpers/fake-api-ports.ts'
import { FakeClock } from '../../helpers/fake-clock.ts'
import { seededRandom } from '../../helpers/prng.ts'

export { seededRandom }

export interface TestApi {
  readonly app: FastifyInstance
  readonly ports: FakeApiPorts
  readonly clock: FakeClock
  /** Every log line the server wrote, parsed. */
  readonly logs: Array<Record<string, unknown>>
  readonly rawLogs: string[]
}

export function buildTestApi(init: Partial<ApiServerInit> = {}, opts: { seed?: number } = {}): TestApi {
  const clock = new FakeClock()
  const ports = new FakeApiPorts({ now: clock.now })
  const rawLogs: string[] = []
  const logs: Array<Record<string, unknown>> = []
  const sink = new Writable({
    write(chunk, _enc, cb) {
      const text = chunk.toString('utf8')
      rawLogs.push(text)
      for (const line of text.split('\n')) if (line.trim() !== '') logs.push(JSON.parse(line))
      cb()
    },
  })
  const logger = pino({ level: 'info' }, sink)
  const app = buildApiServer(
    { ports, logger, random: seededRandom(opts.seed ?? 7) },
    { bodyLimit: 16 * 1024, datacenter: 'dc1', ...init },
  )
  return { app, ports, clock, logs, rawLogs }
}

// biome-ignore lint/suspicious/noExplicitAny: tests read answers loosely
export function json(res: { body: string }): any {
  return JSON.parse(res.body)
}
