#!/usr/bin/env node
/**
 * `grapevine` — entry point. Operator commands load only the HTTP client; `agent` loads the
 * whole sidecar on demand, so `grapevine services list` starts fast.
 */
import { rmSync } from 'node:fs'
import { CommanderError } from 'commander'
import { isGrapevineError } from '../errors.ts'
import { VERSION } from '../version.ts'
import { CliError, EXIT } from './client.ts'
import { buildProgram } from './program.ts'

const out = (text: string): void => {
  process.stdout.write(`${text}\n`)
}

const program = buildProgram({
  out,
  version: VERSION,
  runAgent: async (flags, opts) => {
    const { runAgent } = await import('./agent-command.ts')
    await runAgent(flags, opts)
  },
  keygen: async (file, force) => {
    const { writeSwarmKey } = await import('../gossip/swarm-key.ts')
    const path = file ?? 'swarm.key'
    if (force) rmSync(path, { force: true })
    await writeSwarmKey(path)
    return `wrote a new swarm key to ${path} (mode 0600): copy the same file to every node and start each agent with --swarm-key ${path}`
  },
})

try {
  await program.parseAsync(process.argv)
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode === 0 ? EXIT.OK : EXIT.USAGE
  } else if (e instanceof CliError) {
    process.stderr.write(`grapevine: ${e.message}\n`)
    process.exitCode = e.exitCode
  } else if (isGrapevineError(e)) {
    process.stderr.write(`grapevine: ${e.message}\n`)
    process.exitCode = EXIT.FAILED
  } else {
    process.stderr.write(
      `grapevine: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    )
    process.exitCode = EXIT.FAILED
  }
}
