import type { SpecOf } from './check-spec.ts'
import type { CheckType } from './definition.ts'
import { execProbe } from './exec-probe.ts'
import { grpcProbe } from './grpc-probe.ts'
import { createHttpProbe } from './http-probe.ts'
import type { Probe } from './probe.ts'
import { createTcpProbe } from './tcp-probe.ts'

/** The probe for each probed check type (TTL checks are pushed, see ttl.ts). */
export type ProbeTable = { readonly [T in Exclude<CheckType, 'ttl'>]: Probe<SpecOf<T>> }

export function defaultProbes(): ProbeTable {
  return { http: createHttpProbe(), tcp: createTcpProbe(), grpc: grpcProbe, exec: execProbe }
}
