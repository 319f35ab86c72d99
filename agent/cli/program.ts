import { Command, Option } from 'commander'
import { CONFIG_KEYS, type ConfigKey, envName, type KeySpec } from '../config/schema.ts'
import { addOperatorCommands } from './operator-commands.ts'

/**
 * The `grapevine` command line. `agent` flags are generated from the config schema (one source
 * of truth: every flag is a config key with an env var and a documented default); the operator
 * commands talk to the local agent's HTTP API.
 */
export interface ProgramDeps {
  readonly out: (text: string) => void
  readonly runAgent: (flags: Record<string, unknown>, opts: { resetLocalState: boolean }) => Promise<void>
  readonly keygen: (path: string | undefined, force: boolean) => Promise<string>
  readonly version: string
}

/** Config keys whose flag is a global option (the agent binds there; clients talk there). */
const GLOBAL_KEYS: readonly ConfigKey[] = ['http', 'token']

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value]
}

export function buildProgram(deps: ProgramDeps): Command {
  const program = new Command('grapevine')
    .description('Service discovery with no central server: the sidecar and its operator commands.')
    .version(deps.version)
    .option(
      '--http <addr:port>',
      'HTTP API address of the local agent',
      process.env.GRAPEVINE_HTTP ?? '127.0.0.1:8500',
    )
    .addOption(new Option('--token <token>', 'ACL token for writes').env('GRAPEVINE_TOKEN'))
    .option('--json', 'machine-readable output')
    .showHelpAfterError()
    .exitOverride()

  const agent = program
    .command('agent')
    .description(
      'run the sidecar (HTTP API, DNS, gossip, health checks) until SIGTERM/SIGINT; SIGHUP reloads definitions',
    )
    .option('--config <file>', 'JSON config file (env GRAPEVINE_CONFIG)')
    .option('--preset <name>', 'lan (default) or local (loopback, fast timers, for tests)')
    .option(
      '--reset-local-state',
      'move a broken local state file aside and start with no local registrations',
    )
  for (const key of Object.keys(CONFIG_KEYS) as ConfigKey[]) {
    const spec: KeySpec = CONFIG_KEYS[key]
    if (spec.flag === undefined || GLOBAL_KEYS.includes(key)) continue
    const help = `${spec.reason} (config ${key}, env ${envName(key)})`
    if (spec.type === 'boolean') {
      agent.option(spec.flag, help)
      if (spec.default === true) agent.option(`--no-${spec.flag.slice(2)}`, `turn ${key} off`)
    } else if (spec.type === 'string[]') {
      agent.option(`${spec.flag} <value>`, `${help}; repeatable`, collect)
    } else {
      agent.option(`${spec.flag} <value>`, help)
    }
  }
  agent.action(async (_o, cmd: Command) => {
    const all = cmd.optsWithGlobals<Record<string, unknown>>()
    const flags: Record<string, unknown> = {}
    for (const key of Object.keys(CONFIG_KEYS) as ConfigKey[]) {
      const spec: KeySpec = CONFIG_KEYS[key]
      if (spec.flag === undefined) continue
      const prop = spec.flag.slice(2).replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase())
      const source = cmd.getOptionValueSource(prop) ?? program.getOptionValueSource(prop)
      if (source === 'cli') flags[key] = all[prop]
    }
    if (all.config !== undefined) flags.__file = all.config
    if (all.preset !== undefined) flags.__preset = all.preset
    await deps.runAgent(flags, { resetLocalState: all.resetLocalState === true })
  })

  program
    .command('keygen [file]')
    .description(
      'write a new swarm key (private network pre-shared key) to FILE (default ./swarm.key), mode 0600',
    )
    .option('--force', 'overwrite an existing file')
    .action(async (file: string | undefined, o: { force?: boolean }) => {
      deps.out(await deps.keygen(file, o.force === true))
    })

  addOperatorCommands(program, deps.out)
  return program
}
