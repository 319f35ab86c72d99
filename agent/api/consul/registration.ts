import { Compile } from 'typebox/compile'
import type { CheckDefinition, Duration } from '../../health/definition.ts'
import type { RegistrationInput } from '../ports.ts'
import { describeIssues, type SchemaIssue } from '../validation.ts'
import { normalizeKeys } from './normalize-keys.ts'
import {
  CHECK_SPELLING,
  type ConsulCheckDefinition,
  type ConsulDuration,
  ConsulServiceDefinition,
  SERVICE_SPELLING,
  UNSUPPORTED_CHECK_FIELDS,
  UNSUPPORTED_SERVICE_FIELDS,
  WEIGHTS_SPELLING,
} from './service-definition.ts'

/**
 * From a Consul service definition (any key spelling) to the registry's `RegistrationInput`,
 * as a pure function returning a result. Check ids follow Consul: `service:<id>` for a single
 * check, `service:<id>:<n>` (n from 1) when there are several, unless the check names its own.
 */
export type ConversionResult =
  | { readonly ok: true; readonly value: RegistrationInput }
  | { readonly ok: false; readonly error: string }

const checkService = Compile(ConsulServiceDefinition)

/** Drop `null` values: Consul clients send `"Tags": null` for "not given". */
function withoutNulls(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null))
}

function refuseUnsupported(
  o: Record<string, unknown>,
  table: Readonly<Record<string, string>>,
  where: string,
): string | undefined {
  for (const [name, why] of Object.entries(table)) {
    if (o[name] !== undefined && o[name] !== '' && o[name] !== false) return `${where}/${name}: ${why}`
  }
  return undefined
}

export function normalizeCheck(
  raw: unknown,
  where: string,
): { ok: true; value: unknown } | { ok: false; error: string } {
  const r = normalizeKeys(raw, CHECK_SPELLING, where)
  if (!r.ok) return r
  const value = withoutNulls(r.value)
  const refused = refuseUnsupported(value, UNSUPPORTED_CHECK_FIELDS, where)
  if (refused !== undefined) return { ok: false, error: refused }
  for (const name of Object.keys(UNSUPPORTED_CHECK_FIELDS)) delete value[name]
  return { ok: true, value }
}

/** Normalize keys at every level Consul defines (service, Check, Checks[i], Weights). */
export function normalizeServiceBody(
  body: unknown,
): { ok: true; value: Record<string, unknown> } | { ok: false; error: string } {
  const top = normalizeKeys(body ?? undefined, SERVICE_SPELLING, 'body')
  if (!top.ok) return top
  const value = withoutNulls(top.value)
  const refused = refuseUnsupported(value, UNSUPPORTED_SERVICE_FIELDS, 'body')
  if (refused !== undefined) return { ok: false, error: refused }
  for (const name of Object.keys(UNSUPPORTED_SERVICE_FIELDS)) delete value[name]
  if (value['Check'] !== undefined) {
    const c = normalizeCheck(value['Check'], 'body/Check')
    if (!c.ok) return c
    value['Check'] = c.value
  }
  if (Array.isArray(value['Checks'])) {
    const list: unknown[] = []
    for (const [i, raw] of value['Checks'].entries()) {
      const c = normalizeCheck(raw, `body/Checks/${i}`)
      if (!c.ok) return c
      list.push(c.value)
    }
    value['Checks'] = list
  }
  if (value['Weights'] !== undefined) {
    const w = normalizeKeys(value['Weights'], WEIGHTS_SPELLING, 'body/Weights')
    if (!w.ok) return w
    value['Weights'] = withoutNulls(w.value)
  }
  return { ok: true, value }
}

/** Consul durations: Go strings pass through; numbers are nanoseconds and become milliseconds. */
export function durationFromConsul(d: ConsulDuration): Duration {
  if (typeof d === 'number') return Math.round(d / 1_000_000)
  return d === '0' ? 0 : d
}

const KINDS = ['HTTP', 'TCP', 'GRPC', 'TTL', 'Args'] as const

export function checkFromConsul(
  c: ConsulCheckDefinition,
  id: string,
  serviceName: string,
  where: string,
): { ok: true; value: CheckDefinition } | { ok: false; error: string } {
  const kinds = KINDS.filter((k) => c[k] !== undefined)
  if (kinds.length !== 1) {
    return {
      ok: false,
      error:
        kinds.length === 0
          ? `${where} needs one of HTTP, TCP, GRPC, TTL or Args to say what to check`
          : `${where} has ${kinds.join(' and ')}; a check has exactly one of HTTP, TCP, GRPC, TTL or Args`,
    }
  }
  const def: { -readonly [K in keyof CheckDefinition]: CheckDefinition[K] } = {
    id: c.CheckID ?? id,
    name: c.Name ?? `Service '${serviceName}' check`,
    type: 'ttl',
  }
  if (c.HTTP !== undefined) {
    def.type = 'http'
    def.url = c.HTTP
    if (c.Method !== undefined) def.method = c.Method.toUpperCase()
    if (c.Header !== undefined) def.headers = c.Header
    if (c.Body !== undefined) def.body = c.Body
    if (c.TLSSkipVerify !== undefined) def.tlsSkipVerify = c.TLSSkipVerify
  } else if (c.TCP !== undefined) {
    def.type = 'tcp'
    def.target = c.TCP
  } else if (c.GRPC !== undefined) {
    def.type = 'grpc'
    def.target = c.GRPC
    if (c.GRPCUseTLS !== undefined) def.grpcUseTls = c.GRPCUseTLS
  } else if (c.Args !== undefined) {
    def.type = 'exec'
    def.args = c.Args
  } else if (c.TTL !== undefined) {
    def.ttl = durationFromConsul(c.TTL)
  }
  // Consul ignores Interval and Timeout on TTL checks; clients send them anyway.
  if (def.type !== 'ttl') {
    if (c.Interval !== undefined) def.interval = durationFromConsul(c.Interval)
    if (c.Timeout !== undefined) def.timeout = durationFromConsul(c.Timeout)
  }
  if (c.DeregisterCriticalServiceAfter !== undefined) {
    def.deregisterCriticalAfter = durationFromConsul(c.DeregisterCriticalServiceAfter)
  }
  if (c.Status !== undefined) def.initialStatus = c.Status
  if (c.SuccessBeforePassing !== undefined) def.successBeforePassing = c.SuccessBeforePassing
  if (c.FailuresBeforeWarning !== undefined) def.failuresBeforeWarning = c.FailuresBeforeWarning
  if (c.FailuresBeforeCritical !== undefined) def.failuresBeforeCritical = c.FailuresBeforeCritical
  return { ok: true, value: def }
}

/** Consul's check ids for a service's checks: `service:<id>`, or `service:<id>:<n>` for several. */
export function consulCheckId(serviceId: string, index: number, count: number): string {
  return count > 1 ? `service:${serviceId}:${index + 1}` : `service:${serviceId}`
}

export function registrationFromConsul(body: unknown): ConversionResult {
  const n = normalizeServiceBody(body)
  if (!n.ok) return n
  if (!checkService.Check(n.value)) {
    const issues = checkService.Errors(n.value) as unknown as SchemaIssue[]
    return { ok: false, error: describeIssues(ConsulServiceDefinition, 'body', issues) }
  }
  const s = n.value as ConsulServiceDefinition
  const id = s.ID !== undefined && s.ID !== '' ? s.ID : s.Name
  const defs = [...(s.Check === undefined ? [] : [s.Check]), ...(s.Checks ?? [])]
  const checks: CheckDefinition[] = []
  for (const [i, c] of defs.entries()) {
    const where =
      s.Check !== undefined && i === 0 ? 'body/Check' : `body/Checks/${s.Check === undefined ? i : i - 1}`
    const r = checkFromConsul(c, consulCheckId(id, i, defs.length), s.Name, where)
    if (!r.ok) return r
    checks.push(r.value)
  }
  const input: { -readonly [K in keyof RegistrationInput]: RegistrationInput[K] } = {
    id,
    service: s.Name,
    port: s.Port ?? 0,
    tags: s.Tags ?? [],
    meta: s.Meta ?? {},
    weight: s.Weights?.Passing ?? 1,
    checks,
  }
  if (s.Address !== undefined && s.Address !== '') input.address = s.Address
  return { ok: true, value: input }
}
