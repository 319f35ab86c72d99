import { Agent } from '../agent.ts'
import { loadConfig } from '../config/load.ts'
import { createLogger } from '../logger.ts'

/**
 * `grapevine agent`: resolve the config (preset < file < env < flags), start the sidecar, and
 * map signals: SIGTERM/SIGINT leave the fleet gracefully (instances vanish everywhere at once),
 * SIGHUP reloads service definition files. A second SIGINT forces exit.
 */
export async function runAgent(
  rawFlags: Record<string, unknown>,
  opts: { resetLocalState: boolean },
): Promise<void> {
  const { __file, __preset, ...flags } = rawFlags
  const config = loadConfig({
    ...(typeof __file === 'string' ? { file: __file } : {}),
    ...(typeof __preset === 'string' ? { preset: __preset } : {}),
    env: process.env,
    flags,
  })
  const logger = createLogger({ level: config.logLevel })
  const agent = await Agent.create(config, { logger, resetLocalState: opts.resetLocalState })
  await agent.start()

  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) {
      logger.warn({ component: 'agent' }, `second ${signal}: exiting without a graceful leave`)
      process.exit(130)
    }
    stopping = true
    logger.info({ component: 'agent', signal }, 'leaving the fleet and stopping')
    agent
      .stop({ leave: true })
      .then(() => process.exit(0))
      .catch((e: unknown) => {
        logger.error({ component: 'agent', err: e }, 'stop failed')
        process.exit(1)
      })
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGHUP', () => {
    agent
      .reload()
      .then((r) => logger.info({ component: 'agent', ...r }, 'reloaded service definitions'))
      .catch((e: unknown) => logger.error({ component: 'agent', err: e }, 'reload failed'))
  })
}
