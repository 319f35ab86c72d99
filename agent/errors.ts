/**
 * Runtime errors carry a stable `code` (listed in docs/errors.md with how to fix each) and an
 * HTTP status for the API. Messages say what to do, not just what went wrong.
 */
export const ERROR_CODES = {
  VALIDATION: 400,
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  SCRIPT_CHECKS_DISABLED: 403,
  UNKNOWN_DATACENTER: 400,
  CONFIG_INVALID: 500,
  STATE_CORRUPT: 500,
  STATE_UNREADABLE: 500,
  SWARM_KEY_INVALID: 500,
  BIND_FAILED: 500,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const

export type ErrorCode = keyof typeof ERROR_CODES

export class GrapevineError extends Error {
  readonly code: ErrorCode
  readonly statusCode: number
  readonly details?: Readonly<Record<string, unknown>>

  constructor(
    code: ErrorCode,
    message: string,
    details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.name = 'GrapevineError'
    this.code = code
    this.statusCode = ERROR_CODES[code]
    if (details !== undefined) this.details = details
  }
}

export function isGrapevineError(e: unknown): e is GrapevineError {
  return e instanceof GrapevineError
}
