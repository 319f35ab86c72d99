import { Compile } from 'typebox/compile'
import type { CheckDefinition } from '../../health/definition.ts'
import type { LocalInstance, RegistrationInput } from '../ports.ts'
import { describeIssues, type SchemaIssue } from '../validation.ts'
import { checkFromConsul, normalizeCheck } from './registration.ts'
import { ConsulCheckDefinition } from './service-definition.ts'

/**
 * `PUT /v1/agent/check/register` for a check bound to a service (`ServiceID`): the service is
 * re-registered with the check added (or replaced, same id), so the check lives and dies with
 * its instance as every other check does. Checks on the node alone are not modelled.
 */
export type CheckRegistration =
  | { readonly ok: true; readonly serviceId: string; readonly check: CheckDefinition }
  | { readonly ok: false; readonly error: string }

const checkCheck = Compile(ConsulCheckDefinition)

export function checkRegistrationFromConsul(
  body: unknown,
  serviceName: (id: string) => string | undefined,
): CheckRegistration {
  const n = normalizeCheck(body ?? undefined, 'body')
  if (!n.ok) return n
  if (!checkCheck.Check(n.value)) {
    const issues = checkCheck.Errors(n.value) as unknown as SchemaIssue[]
    return { ok: false, error: describeIssues(ConsulCheckDefinition, 'body', issues) }
  }
  const c = n.value
  if (c.ServiceID === undefined || c.ServiceID === '') {
    return {
      ok: false,
      error:
        'body/ServiceID is required: Grapevine runs checks for services only; register the check with the ServiceID it belongs to (or inside the service definition)',
    }
  }
  const name = serviceName(c.ServiceID)
  if (name === undefined)
    return { ok: false, error: `ServiceID "${c.ServiceID}" does not exist on this agent` }
  const id = c.CheckID ?? c.Name
  if (id === undefined || id === '')
    return { ok: false, error: 'body/Name is required (it is also the default CheckID)' }
  const r = checkFromConsul(c, id, name, 'body')
  if (!r.ok) return r
  return { ok: true, serviceId: c.ServiceID, check: r.value }
}

/** The registration that reproduces a local instance as it is, with its checks' ids pinned. */
export function inputFromLocal(li: LocalInstance, checks: readonly CheckDefinition[]): RegistrationInput {
  const v = li.value
  return {
    id: li.id,
    service: v.service,
    address: v.address,
    port: v.port,
    protocol: v.protocol,
    tags: [...v.tags],
    meta: { ...v.meta },
    weight: v.weight,
    version: v.version,
    checks: [...checks],
  }
}

/** The instance's check definitions with their current ids written in. */
export function pinnedChecks(li: LocalInstance): CheckDefinition[] {
  return li.checks.map((c) => ({ ...c.definition, id: c.id }))
}
