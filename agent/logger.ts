import { type Logger, pino } from 'pino'

/**
 * The root logger: JSON lines by default (for log shippers), human-readable when stdout is a
 * terminal. Every component logs through `logger.child({ component })`. Secrets are redacted
 * at the root, so no child can leak a token by accident.
 */
export interface LoggerInit {
  readonly level: string
  /** Pretty output; default: when stdout is a TTY. */
  readonly pretty?: boolean
  /** Where JSON goes (tests pass a stream); default stdout. */
  readonly destination?: NodeJS.WritableStream
}

export const REDACT_PATHS = [
  'token',
  'config.token',
  'req.headers.authorization',
  'req.headers["x-grapevine-token"]',
  'req.headers["x-consul-token"]',
]

export function createLogger(init: LoggerInit): Logger {
  const pretty = init.pretty ?? (init.destination === undefined && process.stdout.isTTY === true)
  const options = {
    level: init.level,
    redact: { paths: REDACT_PATHS, censor: '<redacted>' },
    base: { pid: process.pid },
  }
  if (pretty) {
    return pino({
      ...options,
      transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname' } },
    })
  }
  if (init.destination !== undefined) return pino(options, init.destination)
  return pino(options)
}
