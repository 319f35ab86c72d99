import { readFileSync } from 'node:fs'
import type { Command } from 'commander'
import { AgentClient, CliError, EXIT } from './client.ts'
import { formatAge, renderTable } from './table.ts'

/**
 * `grapevine services|members|resolve|watch|maint` — operator commands against the local
 * agent's HTTP API. Human tables by default, `--json` for scripts.
 */
export interface GlobalOpts {
  http: string
  token?: string
  json?: boolean
}

type Out = (text: string) => void

interface InstanceRow {
  id: string
  service: string
  address: string
  port: number
  tags?: string[]
  health: string
  origin?: { node?: string }
  node?: string
  freshness?: { ageMs?: number }
}

function instancesOf(body: unknown): InstanceRow[] {
  if (Array.isArray(body)) return body as InstanceRow[]
  if (
    body !== null &&
    typeof body === 'object' &&
    Array.isArray((body as { instances?: unknown }).instances)
  ) {
    return (body as { instances: InstanceRow[] }).instances
  }
  return []
}

function clientFrom(cmd: Command): { client: AgentClient; opts: GlobalOpts } {
  const opts = cmd.optsWithGlobals<GlobalOpts>()
  return {
    client: new AgentClient(
      opts.token === undefined ? { http: opts.http } : { http: opts.http, token: opts.token },
    ),
    opts,
  }
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value]
}

function parseMeta(pairs: readonly string[]): Record<string, string> {
  const meta: Record<string, string> = {}
  for (const p of pairs) {
    const i = p.indexOf('=')
    if (i <= 0) throw new CliError(`--meta expects key=value, got "${p}"`, EXIT.USAGE)
    meta[p.slice(0, i)] = p.slice(i + 1)
  }
  return meta
}

function parsePort(text: string): number {
  const n = Number(text)
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new CliError(`--port must be an integer from 0 to 65535, got "${text}"`, EXIT.USAGE)
  return n
}

export function addOperatorCommands(program: Command, out: Out): void {
  const services = program
    .command('services')
    .description('register, deregister, list and show service instances')

  services
    .command('register')
    .description('register an instance on the local agent (from flags, or a JSON file with --file)')
    .option('--file <path>', 'a JSON registration (the body of POST /v1/instances)')
    .option('--name <service>', 'service name')
    .option('--id <id>', 'instance id (default: derived from service, address and port)')
    .option('--address <addr>', "address (default: the agent's advertised address)")
    .option('--port <port>', 'port', parsePort)
    .option('--tag <tag>', 'a tag (repeatable)', collect)
    .option('--meta <key=value>', 'metadata (repeatable)', collect)
    .option('--weight <n>', 'weight for weighted ordering', (v) => Number(v))
    .option('--version <v>', 'service version')
    .option(
      '--ttl <duration>',
      'add a TTL check with this TTL (report with `grapevine services pass|warn|fail`)',
    )
    .option('--http-check <url>', 'add an HTTP check against this URL')
    .option('--tcp-check <host:port>', 'add a TCP check')
    .option('--interval <duration>', 'check interval', '10s')
    .action(async (o, cmd: Command) => {
      const { client, opts } = clientFrom(cmd)
      let body: Record<string, unknown>
      if (o.file !== undefined) {
        try {
          body = JSON.parse(readFileSync(o.file, 'utf8'))
        } catch (e) {
          throw new CliError(`cannot read registration ${o.file}: ${(e as Error).message}`, EXIT.USAGE)
        }
      } else {
        if (o.name === undefined || o.port === undefined)
          throw new CliError('services register needs --name and --port (or --file)', EXIT.USAGE)
        const checks: Array<Record<string, unknown>> = []
        if (o.ttl !== undefined) checks.push({ type: 'ttl', ttl: o.ttl })
        if (o.httpCheck !== undefined) checks.push({ type: 'http', url: o.httpCheck, interval: o.interval })
        if (o.tcpCheck !== undefined) checks.push({ type: 'tcp', target: o.tcpCheck, interval: o.interval })
        body = { service: o.name, port: o.port }
        if (o.id !== undefined) body.id = o.id
        if (o.address !== undefined) body.address = o.address
        if (o.tag !== undefined) body.tags = o.tag
        if (o.meta !== undefined) body.meta = parseMeta(o.meta)
        if (o.weight !== undefined) body.weight = o.weight
        if (o.version !== undefined) body.version = o.version
        if (checks.length > 0) body.checks = checks
      }
      const res = await client.request<{ id: string }>('POST', '/v1/instances', body)
      out(opts.json === true ? JSON.stringify(res.body) : `registered ${res.body.id}`)
    })

  services
    .command('deregister <id>')
    .description('remove an instance registered on the local agent')
    .action(async (id: string, _o, cmd: Command) => {
      const { client, opts } = clientFrom(cmd)
      await client.request('DELETE', `/v1/instances/${encodeURIComponent(id)}`)
      out(opts.json === true ? JSON.stringify({ id, deregistered: true }) : `deregistered ${id}`)
    })

  for (const [verb, status] of [
    ['pass', 'passing'],
    ['warn', 'warning'],
    ['fail', 'critical'],
  ] as const) {
    services
      .command(`${verb} <id>`)
      .description(`report a TTL check (by check or instance id) as ${status}`)
      .option('--note <text>', 'a note shown as the check output')
      .action(async (id: string, o: { note?: string }, cmd: Command) => {
        const { client, opts } = clientFrom(cmd)
        await client.request(
          'PUT',
          `/v1/instances/${encodeURIComponent(id)}/health`,
          o.note === undefined ? { status } : { status, note: o.note },
        )
        out(opts.json === true ? JSON.stringify({ id, status }) : `${id}: ${status}`)
      })
  }

  services
    .command('list')
    .description('every service in the fleet with instance counts by health')
    .action(async (_o, cmd: Command) => {
      const { client, opts } = clientFrom(cmd)
      const res = await client.request<unknown>('GET', '/v1/services')
      if (opts.json === true) return out(JSON.stringify(res.body))
      const list = (
        Array.isArray(res.body) ? res.body : ((res.body as { services?: unknown[] }).services ?? [])
      ) as Array<{
        name: string
        tags?: string[]
        health?: Record<string, number>
      }>
      out(
        renderTable(
          ['SERVICE', 'PASSING', 'WARNING', 'CRITICAL', 'MAINT', 'TAGS'],
          list.map((s) => [
            s.name,
            String(s.health?.passing ?? 0),
            String(s.health?.warning ?? 0),
            String(s.health?.critical ?? 0),
            String(s.health?.maintenance ?? 0),
            (s.tags ?? []).join(','),
          ]),
        ),
      )
    })

  services
    .command('show <name>')
    .description('the instances of a service, fleet-wide')
    .option('--passing', 'only passing instances')
    .option('--tag <tag>', 'only instances with this tag (repeatable)', collect)
    .action(async (name: string, o: { passing?: boolean; tag?: string[] }, cmd: Command) => {
      const { client, opts } = clientFrom(cmd)
      const q = new URLSearchParams()
      if (o.passing === true) q.set('passing', 'true')
      for (const t of o.tag ?? []) q.append('tag', t)
      const qs = q.toString()
      const res = await client.request<unknown>(
        'GET',
        `/v1/services/${encodeURIComponent(name)}${qs === '' ? '' : `?${qs}`}`,
      )
      if (opts.json === true) return out(JSON.stringify(res.body))
      const rows = instancesOf(res.body)
      if (rows.length === 0) throw new CliError(`no instances of "${name}"`, EXIT.NOT_FOUND)
      out(
        renderTable(
          ['ID', 'ADDRESS', 'HEALTH', 'NODE', 'AGE', 'TAGS'],
          rows.map((r) => [
            r.id,
            `${r.address}:${r.port}`,
            r.health,
            r.origin?.node ?? r.node ?? '-',
            formatAge(r.freshness?.ageMs),
            (r.tags ?? []).join(','),
          ]),
        ),
      )
    })

  program
    .command('members')
    .description('the members of the fleet as this agent sees them')
    .action(async (_o, cmd: Command) => {
      const { client, opts } = clientFrom(cmd)
      const res = await client.request<unknown>('GET', '/v1/members')
      if (opts.json === true) return out(JSON.stringify(res.body))
      const list = (
        Array.isArray(res.body) ? res.body : ((res.body as { members?: unknown[] }).members ?? [])
      ) as Array<{
        name: string
        state: string
        addresses?: string[]
        origin?: string
        peerId?: string
      }>
      out(
        renderTable(
          ['NODE', 'STATE', 'ADDRESS', 'PEER ID'],
          list.map((m) => [m.name, m.state, (m.addresses ?? []).join(','), m.origin ?? m.peerId ?? '']),
        ),
      )
    })

  program
    .command('resolve <service>')
    .description('addresses of healthy instances, one `address:port` per line (for scripts)')
    .option('--strategy <s>', 'round_robin | random | weighted | consistent_hash | local_first')
    .option('--key <k>', 'key for consistent_hash')
    .option('--limit <n>', 'at most this many', (v) => Number(v))
    .option('--tag <tag>', 'only instances with this tag (repeatable)', collect)
    .action(
      async (
        service: string,
        o: { strategy?: string; key?: string; limit?: number; tag?: string[] },
        cmd: Command,
      ) => {
        const { client, opts } = clientFrom(cmd)
        const q = new URLSearchParams({ passing: 'true' })
        if (o.strategy !== undefined) q.set('strategy', o.strategy)
        if (o.key !== undefined) q.set('key', o.key)
        if (o.limit !== undefined) q.set('limit', String(o.limit))
        for (const t of o.tag ?? []) q.append('tag', t)
        const res = await client.request<unknown>('GET', `/v1/services/${encodeURIComponent(service)}?${q}`)
        const rows = instancesOf(res.body)
        if (opts.json === true)
          return out(JSON.stringify(rows.map((r) => ({ address: r.address, port: r.port, id: r.id }))))
        if (rows.length === 0) throw new CliError(`no passing instance of "${service}"`, EXIT.NOT_FOUND)
        out(rows.map((r) => `${r.address.includes(':') ? `[${r.address}]` : r.address}:${r.port}`).join('\n'))
      },
    )

  program
    .command('watch [service]')
    .description('stream catalog and membership events (Server-Sent Events) until interrupted')
    .option('--timeout <seconds>', 'stop after this many seconds', (v) => Number(v))
    .action(async (service: string | undefined, o: { timeout?: number }, cmd: Command) => {
      const { client, opts } = clientFrom(cmd)
      const ctl = new AbortController()
      const stop = () => ctl.abort()
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
      const timer = o.timeout === undefined ? undefined : setTimeout(stop, o.timeout * 1000)
      const res = await client.stream(
        `/v1/watch${service === undefined ? '' : `?service=${encodeURIComponent(service)}`}`,
        ctl.signal,
      )
      const decoder = new TextDecoder()
      let buf = ''
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buf += decoder.decode(chunk, { stream: true })
          let end = buf.indexOf('\n\n')
          while (end >= 0) {
            const block = buf.slice(0, end)
            buf = buf.slice(end + 2)
            const data = block
              .split('\n')
              .filter((l) => l.startsWith('data:'))
              .map((l) => l.slice(5).trim())
              .join('\n')
            if (data !== '') {
              if (opts.json === true) out(data)
              else {
                const ev = JSON.parse(data) as Record<string, unknown>
                out(
                  `${String(ev.type)} ${String(ev.service ?? ev.node ?? '')} ${String(ev.instanceKey ?? ev.state ?? '')} ${String(ev.health ?? '')}`.trimEnd(),
                )
              }
            }
            end = buf.indexOf('\n\n')
          }
        }
      } catch (e) {
        if (!ctl.signal.aborted) throw e
      } finally {
        if (timer !== undefined) clearTimeout(timer)
        process.off('SIGINT', stop)
        process.off('SIGTERM', stop)
      }
    })

  program
    .command('maint')
    .description('maintenance mode for an instance (--id) or the whole node; drains it from answers')
    .option('--enable', 'turn maintenance on')
    .option('--disable', 'turn maintenance off')
    .option('--id <id>', 'an instance id (default: the whole node)')
    .option('--reason <text>', 'why (shown to operators)')
    .action(
      async (o: { enable?: boolean; disable?: boolean; id?: string; reason?: string }, cmd: Command) => {
        const { client, opts } = clientFrom(cmd)
        if (o.enable === o.disable)
          throw new CliError('maint needs exactly one of --enable or --disable', EXIT.USAGE)
        const enable = o.enable === true
        if (o.id === undefined) {
          // Node maintenance is Consul's own endpoint (query parameters, no body).
          const q = new URLSearchParams({ enable: String(enable) })
          if (o.reason !== undefined) q.set('reason', o.reason)
          await client.request('PUT', `/v1/agent/maintenance?${q}`)
        } else {
          const body = o.reason === undefined ? { enable } : { enable, reason: o.reason }
          await client.request('PUT', `/v1/instances/${encodeURIComponent(o.id)}/maintenance`, body)
        }
        const what = o.id ?? 'node'
        out(
          opts.json === true
            ? JSON.stringify({ target: what, maintenance: enable })
            : `${what}: maintenance ${enable ? 'on' : 'off'}`,
        )
      },
    )
}
