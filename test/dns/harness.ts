/**
 * Integration-test harness: a DnsServer on 127.0.0.1 port 0 fed a catalog view, and `dig`
 * (required: a missing dig fails the test with the install command, never skips).
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import type { CatalogView } from '../../crdt/view.ts'
import type { DnsServerInit } from '../../dns/options.ts'
import { DnsServer } from '../../dns/server.ts'
import { requireTool } from '../setup/tools.ts'
import { instance, node, seededRandom, silentLogger, view } from './catalog-fixture.ts'

const run = promisify(execFile)

export async function startServer(
  v: CatalogView | (() => CatalogView),
  init: DnsServerInit = {},
): Promise<{ server: DnsServer; port: number }> {
  const get = typeof v === 'function' ? v : () => v
  const server = new DnsServer(
    { logger: silentLogger(), view: get, random: seededRandom(42) },
    { udp: { port: 0 }, tcp: { port: 0 }, ...init },
  )
  await server.start()
  const a = server.addresses()
  if (a.udp.port !== a.tcp.port) throw new Error('expected UDP and TCP on one port')
  return { server, port: a.udp.port }
}

/** Runs dig against the server; returns stdout. Bounded: one try, 2 s timeout. */
export async function dig(port: number, args: string[]): Promise<string> {
  const bin = requireTool('dig')
  const { stdout } = await run(bin, ['@127.0.0.1', '-p', String(port), '+tries=1', '+time=2', ...args], {
    timeout: 10_000,
  })
  return stdout
}

/** A catalog with the shapes the integration tests ask about. */
export function sampleCatalog(index = 1): CatalogView {
  const instances = [
    instance('web-1', { node: 'alpha', address: '10.0.0.1', port: 8080, tags: ['v1'], meta: { zone: 'a' } }),
    instance('web-2', { node: 'beta', address: '10.0.0.2', port: 8081, tags: ['v2'] }),
    instance('web-crit', { node: 'beta', address: '10.0.0.3', port: 8082, health: 'critical' }),
    instance('db-1', { service: 'db', node: 'alpha', address: '2001:db8::5', port: 5432 }),
  ]
  for (let i = 0; i < 100; i++) {
    instances.push(
      instance(`many-${i}`, {
        service: 'many',
        node: `m${i}`,
        address: `10.1.${i >> 8}.${(i & 255) + 1}`,
        port: 7000 + i,
      }),
    )
  }
  const nodes = [node('alpha', ['10.0.0.1', '2001:db8::5']), node('beta', ['10.0.0.2'])]
  for (let i = 0; i < 100; i++) nodes.push(node(`m${i}`, [`10.1.${i >> 8}.${(i & 255) + 1}`]))
  return view(instances, nodes, index)
}
