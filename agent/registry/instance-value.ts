import type { CheckStatus, Health, InstanceValue } from '../../crdt/schema.ts'
import type { LocalCheckState, RegistrationInput } from '../api/ports.ts'

/** Worst of the check statuses (critical > warning > passing); no checks = passing. */
export function aggregateChecks(statuses: readonly CheckStatus[]): CheckStatus {
  if (statuses.includes('critical')) return 'critical'
  if (statuses.includes('warning')) return 'warning'
  return 'passing'
}

/** A stable id when the client gives none: the same service, address and port give the same id. */
export function deriveInstanceId(service: string, address: string, port: number): string {
  return `${service}-${address}-${port}`.replace(/[\s/]/g, '_').slice(0, 128)
}

/** The record this host publishes for one registration (pure). */
export function toInstanceValue(args: {
  id: string
  input: RegistrationInput
  nodeName: string
  defaultAddress: string
  maintenance: boolean
  checks: readonly LocalCheckState[]
}): InstanceValue {
  const { input, checks } = args
  const health: Health = args.maintenance ? 'maintenance' : aggregateChecks(checks.map((c) => c.status))
  return {
    kind: 'instance',
    id: args.id,
    service: input.service,
    node: args.nodeName,
    address: input.address ?? args.defaultAddress,
    port: input.port,
    protocol: input.protocol ?? 'tcp',
    tags: [...(input.tags ?? [])],
    meta: { ...(input.meta ?? {}) },
    weight: input.weight ?? 1,
    version: input.version ?? '',
    health,
    checks: checks.slice(0, 32).map((c) => ({
      id: c.id,
      name: c.name.slice(0, 256),
      type: c.type,
      status: c.status,
      output: c.output.slice(0, 1024),
    })),
  }
}
