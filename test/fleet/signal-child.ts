/**
 * Child of the harness test: builds a two-host fleet, prints its prefix and the PIDs it started,
 * then waits to be signalled. The fleet's SIGTERM/SIGINT handler must tear everything down.
 */
import { Fleet } from './fleet.ts'

const fleet = Fleet.create(2)
await Promise.all(
  fleet.hosts.map((h) => h.courier.request('GET', 'http://127.0.0.1:1/', undefined, 200).catch(() => {})),
)
process.stdout.write(`${JSON.stringify({ prefix: fleet.prefix, pids: fleet.livePids() })}\n`)
setInterval(() => {}, 1_000)
