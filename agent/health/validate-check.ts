import { err, ok, type Result } from '../../crdt/result.ts'
import { CHECK_STATUSES, type CheckStatus } from '../../crdt/schema.ts'
import { GrapevineError } from '../errors.ts'
import { CHECK_DEFAULTS, type CheckSpec } from './check-spec.ts'
import { CHECK_TYPES, type CheckType } from './definition.ts'
import { formatDuration, parseDuration } from './duration.ts'
import { parseHostPort } from './host-port.ts'

/**
 * Turns a check definition (API body or service file, already parsed JSON) into a fully
 * defaulted `CheckSpec`, or reports EVERY problem found, each with its field and what is allowed.
 * Pure: returns a result, never throws.
 */
export interface CheckProblem {
  /** The field at fault, e.g. `url` or `checks[1].timeout`. */
  readonly field: string
  readonly message: string
  readonly code: 'VALIDATION' | 'SCRIPT_CHECKS_DISABLED'
}

export interface ValidateCheckOptions {
  /** From the agent config `enableScriptChecks` (flag `--enable-script-checks`). */
  readonly scriptChecksEnabled: boolean
  /** The id to use when the definition has none (default: the check type). */
  readonly defaultId?: string
  /** Prefix for field names in problems, e.g. `checks[2].`. */
  readonly fieldPrefix?: string
}

export const SCRIPT_CHECKS_DISABLED_MESSAGE =
  'exec checks run commands on this host and are disabled on this agent; an operator can allow them ' +
  'by setting "enableScriptChecks": true in the agent config (or starting the agent with ' +
  '--enable-script-checks). They can never be enabled through the HTTP API.'

/** The fields each check type uses besides the common ones. */
const PROBED = [
  'interval',
  'timeout',
  'successBeforePassing',
  'failuresBeforeWarning',
  'failuresBeforeCritical',
]
const TYPE_FIELDS: Readonly<Record<CheckType, readonly string[]>> = {
  http: ['url', 'method', 'headers', 'body', 'tlsSkipVerify', ...PROBED],
  tcp: ['target', ...PROBED],
  grpc: ['target', 'grpcUseTls', 'tlsSkipVerify', ...PROBED],
  // A TTL check is pushed: no interval, no timeout, and a report shows at once (no hysteresis).
  ttl: ['ttl'],
  exec: ['args', ...PROBED],
}
const COMMON_FIELDS = ['id', 'name', 'type', 'initialStatus', 'deregisterCriticalAfter']
const ALL_FIELDS = new Set([...COMMON_FIELDS, ...Object.values(TYPE_FIELDS).flat()])
const ID_PATTERN = /^[^\s/]{1,128}$/
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/

export function validateCheck(input: unknown, opts: ValidateCheckOptions): Result<CheckSpec, CheckProblem[]> {
  const prefix = opts.fieldPrefix ?? ''
  const problems: CheckProblem[] = []
  const bad = (field: string, message: string, code: CheckProblem['code'] = 'VALIDATION'): undefined => {
    problems.push({ field: prefix + field, message, code })
    return undefined
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    bad('', 'a check must be a JSON object with at least a "type"')
    return err(problems)
  }
  const def = input as Record<string, unknown>
  const has = (k: string): boolean => def[k] !== undefined

  for (const key of Object.keys(def)) {
    if (!ALL_FIELDS.has(key)) bad(key, `unknown field; allowed: ${[...ALL_FIELDS].join(', ')}`)
  }
  const type = def.type
  if (!CHECK_TYPES.includes(type as CheckType)) {
    bad(
      'type',
      `must be one of ${CHECK_TYPES.join(', ')}${has('type') ? `, got ${JSON.stringify(type)}` : ''}`,
    )
  }
  const t = CHECK_TYPES.includes(type as CheckType) ? (type as CheckType) : undefined
  if (t === 'exec' && !opts.scriptChecksEnabled)
    bad('type', SCRIPT_CHECKS_DISABLED_MESSAGE, 'SCRIPT_CHECKS_DISABLED')
  if (t !== undefined) {
    for (const key of Object.keys(def)) {
      if (ALL_FIELDS.has(key) && !COMMON_FIELDS.includes(key) && !TYPE_FIELDS[t].includes(key)) {
        const users = CHECK_TYPES.filter((x) => TYPE_FIELDS[x].includes(key)).join(', ')
        bad(key, `not used by ${t} checks (only by: ${users}); remove it`)
      }
    }
  }

  const str = (k: string, max: number, pattern?: RegExp, what?: string): string | undefined => {
    const v = def[k]
    if (v === undefined) return undefined
    if (typeof v !== 'string' || v.length === 0 || v.length > max) {
      return bad(k, `must be a non-empty string of at most ${max} characters`)
    }
    if (pattern !== undefined && !pattern.test(v)) return bad(k, `must be ${what}`)
    return v
  }
  const bool = (k: string): boolean | undefined => {
    const v = def[k]
    if (v === undefined || typeof v === 'boolean') return v
    return bad(k, 'must be true or false')
  }
  const count = (k: string): number | undefined => {
    const v = def[k]
    if (v === undefined) return undefined
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 100) {
      return bad(k, 'must be an integer from 0 to 100 (consecutive results)')
    }
    return v
  }
  const duration = (k: string, minMs: number): number | undefined => {
    if (!has(k)) return undefined
    const r = parseDuration(def[k])
    if (!r.ok) return bad(k, r.error)
    if (r.value < minMs)
      return bad(k, `must be at least ${formatDuration(minMs)}, got ${formatDuration(r.value)}`)
    return r.value
  }

  const id = str('id', 128, ID_PATTERN, 'at most 128 characters without whitespace or "/"')
  const name = has('name') && typeof def.name === 'string' && def.name.length <= 256 ? def.name : undefined
  if (has('name') && name === undefined) bad('name', 'must be a string of at most 256 characters')
  const interval = duration('interval', CHECK_DEFAULTS.minIntervalMs)
  const timeout = duration('timeout', 1)
  const intervalMs = interval ?? CHECK_DEFAULTS.intervalMs
  if (timeout !== undefined && timeout > intervalMs) {
    bad(
      'timeout',
      `must not exceed the interval (${formatDuration(intervalMs)}), got ${formatDuration(timeout)}`,
    )
  }
  const initial = def.initialStatus
  if (initial !== undefined && !CHECK_STATUSES.includes(initial as CheckStatus)) {
    bad('initialStatus', `must be one of ${CHECK_STATUSES.join(', ')}`)
  }
  const successBeforePassing = count('successBeforePassing')
  const failuresBeforeCritical = count('failuresBeforeCritical')
  const failuresBeforeWarning = count('failuresBeforeWarning')
  const fbc = failuresBeforeCritical ?? CHECK_DEFAULTS.failuresBeforeCritical
  if (failuresBeforeWarning !== undefined && failuresBeforeWarning > fbc) {
    bad('failuresBeforeWarning', `must not exceed failuresBeforeCritical (${fbc})`)
  }
  const deregisterCriticalAfterMs = duration('deregisterCriticalAfter', 1)

  const base = {
    id: id ?? opts.defaultId ?? String(t ?? 'check'),
    name: '',
    intervalMs,
    timeoutMs: timeout ?? Math.min(CHECK_DEFAULTS.timeoutMs, intervalMs),
    initialStatus: (initial as CheckStatus | undefined) ?? CHECK_DEFAULTS.initialStatus,
    successBeforePassing: successBeforePassing ?? CHECK_DEFAULTS.successBeforePassing,
    failuresBeforeWarning: failuresBeforeWarning ?? fbc,
    failuresBeforeCritical: fbc,
    ...(deregisterCriticalAfterMs !== undefined ? { deregisterCriticalAfterMs } : {}),
  }
  base.name = name ?? base.id

  let spec: CheckSpec | undefined
  switch (t) {
    case 'http': {
      const url = str('url', 2048)
      if (!has('url')) bad('url', 'required for http checks: an http:// or https:// URL')
      let href: string | undefined
      if (url !== undefined) {
        const parsed = URL.canParse(url) ? new URL(url) : undefined
        if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
          bad('url', `must be an absolute http:// or https:// URL, got ${JSON.stringify(url)}`)
        } else href = parsed.href
      }
      const method = str('method', 10, /^[A-Z]{3,10}$/, '3 to 10 upper-case letters, e.g. GET, HEAD, POST')
      const headers = validateHeaders(def.headers, (m) => bad('headers', m))
      const body =
        has('body') && typeof def.body === 'string' && def.body.length <= 65536 ? def.body : undefined
      if (has('body') && body === undefined) bad('body', 'must be a string of at most 65536 characters')
      const tlsSkipVerify = bool('tlsSkipVerify') ?? false
      if (href !== undefined) {
        spec = {
          ...base,
          type: 'http',
          url: href,
          method: method ?? CHECK_DEFAULTS.httpMethod,
          headers,
          ...(body !== undefined ? { body } : {}),
          tlsSkipVerify,
        }
      }
      break
    }
    case 'tcp':
    case 'grpc': {
      const target = str('target', 512)
      const useTls = bool('grpcUseTls') ?? false
      const tlsSkipVerify = bool('tlsSkipVerify') ?? false
      if (!has('target'))
        bad('target', `required for ${t} checks: host:port${t === 'grpc' ? '[/service]' : ''}`)
      if (target === undefined) break
      const slash = t === 'grpc' ? target.indexOf('/') : -1
      const hp = parseHostPort(slash >= 0 ? target.slice(0, slash) : target)
      if (!hp.ok) {
        bad('target', `${hp.error}; write host:port${t === 'grpc' ? '[/service]' : ''}, e.g. 127.0.0.1:8080`)
        break
      }
      spec =
        t === 'tcp'
          ? { ...base, type: 'tcp', host: hp.value.host, port: hp.value.port }
          : {
              ...base,
              type: 'grpc',
              host: hp.value.host,
              port: hp.value.port,
              service: slash >= 0 ? target.slice(slash + 1) : '',
              useTls,
              tlsSkipVerify,
            }
      break
    }
    case 'ttl': {
      const ttlMs = duration('ttl', 1)
      if (!has('ttl')) bad('ttl', 'required for ttl checks: how long a report stays valid, e.g. "30s"')
      if (ttlMs !== undefined) spec = { ...base, type: 'ttl', ttlMs, intervalMs: ttlMs, timeoutMs: 0 }
      break
    }
    case 'exec': {
      const args = def.args
      if (
        !Array.isArray(args) ||
        args.length === 0 ||
        args.length > 64 ||
        !args.every((a) => typeof a === 'string' && a.length <= 4096) ||
        args[0] === ''
      ) {
        bad(
          'args',
          'required for exec checks: the command and its arguments as an array of 1 to 64 strings ' +
            '(no shell), e.g. ["/usr/local/bin/check-disk", "--min", "10%"]',
        )
      } else spec = { ...base, type: 'exec', args: [...(args as string[])] }
      break
    }
    case undefined:
      break
  }
  if (problems.length > 0 || spec === undefined) return err(problems)
  return ok(spec)
}

function validateHeaders(
  value: unknown,
  bad: (message: string) => undefined,
): Readonly<Record<string, readonly string[]>> {
  if (value === undefined) return {}
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    bad('must be an object of header name to a string or an array of strings')
    return {}
  }
  const out: Record<string, string[]> = {}
  for (const [k, v] of Object.entries(value)) {
    const values = typeof v === 'string' ? [v] : v
    if (!HEADER_NAME.test(k)) bad(`header name ${JSON.stringify(k)} is not a valid HTTP token`)
    else if (!Array.isArray(values) || !values.every((x) => typeof x === 'string' && !/[\r\n\0]/.test(x))) {
      bad(`header ${JSON.stringify(k)} must be a string or array of strings without CR, LF or NUL`)
    } else out[k] = values as string[]
  }
  return out
}

/** Validates the checks of one instance: ids default to `<instanceId>:<n>` (n from 1) and must be unique. */
export function validateChecks(
  inputs: readonly unknown[],
  opts: { readonly instanceId: string; readonly scriptChecksEnabled: boolean; readonly fieldPrefix?: string },
): Result<CheckSpec[], CheckProblem[]> {
  const problems: CheckProblem[] = []
  const specs: CheckSpec[] = []
  const seen = new Set<string>()
  const prefix = opts.fieldPrefix ?? 'checks'
  inputs.forEach((input, i) => {
    const r = validateCheck(input, {
      scriptChecksEnabled: opts.scriptChecksEnabled,
      defaultId: `${opts.instanceId}:${i + 1}`,
      fieldPrefix: `${prefix}[${i}].`,
    })
    if (!r.ok) {
      problems.push(...r.error)
      return
    }
    if (seen.has(r.value.id)) {
      problems.push({
        field: `${prefix}[${i}].id`,
        message: `duplicate check id ${JSON.stringify(r.value.id)}; each check of an instance needs its own id`,
        code: 'VALIDATION',
      })
    }
    seen.add(r.value.id)
    specs.push(r.value)
  })
  return problems.length > 0 ? err(problems) : ok(specs)
}

/** The runtime error for a failed validation: SCRIPT_CHECKS_DISABLED when that is among the problems. */
export function checkProblemsToError(problems: readonly CheckProblem[]): GrapevineError {
  const disabled = problems.some((p) => p.code === 'SCRIPT_CHECKS_DISABLED')
  const text = problems.map((p) => (p.field === '' ? p.message : `${p.field}: ${p.message}`)).join('; ')
  return new GrapevineError(
    disabled ? 'SCRIPT_CHECKS_DISABLED' : 'VALIDATION',
    `invalid check definition: ${text}`,
    { errors: problems.map((p) => ({ ...p })) },
  )
}
