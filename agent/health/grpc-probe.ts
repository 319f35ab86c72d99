import * as grpc from '@grpc/grpc-js'
import { service as healthService } from 'grpc-health-check'
import type { GrpcCheckSpec } from './check-spec.ts'
import { type ProbeResult, watchDeadline } from './probe.ts'

/**
 * gRPC check: one `grpc.health.v1.Health/Check` call (via @grpc/grpc-js and the service
 * definition shipped by grpc-health-check). SERVING is passing; any other answer or error is
 * critical. The channel lives only for the call, so a dead target leaves nothing behind.
 */
interface HealthCheckResponse {
  readonly status?: string
}
type HealthClient = grpc.Client & {
  check(
    request: { service: string },
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null, response?: HealthCheckResponse) => void,
  ): grpc.ClientUnaryCall
}

const HealthClientCtor = grpc.makeClientConstructor(
  healthService as unknown as grpc.ServiceDefinition,
  'grpc.health.v1.Health',
) as unknown as new (
  address: string,
  credentials: grpc.ChannelCredentials,
  options?: grpc.ChannelOptions,
) => HealthClient

export function grpcProbe(spec: GrpcCheckSpec, outer: AbortSignal): Promise<ProbeResult> {
  const address = `${spec.host.includes(':') ? `[${spec.host}]` : spec.host}:${spec.port}`
  const label = `gRPC health ${address}${spec.service === '' ? '' : `/${spec.service}`}`
  const credentials = spec.useTls
    ? grpc.credentials.createSsl(null, null, null, {
        rejectUnauthorized: !spec.tlsSkipVerify,
        ...(spec.tlsSkipVerify ? { checkServerIdentity: () => undefined } : {}),
      })
    : grpc.credentials.createInsecure()
  const client = new HealthClientCtor(address, credentials, {
    'grpc.enable_retries': 0,
    'grpc.service_config_disable_resolution': 1,
  })
  return new Promise<ProbeResult>((resolve) => {
    let settled = false
    let call: grpc.ClientUnaryCall | undefined
    const finish = (r: ProbeResult): void => {
      if (settled) return
      settled = true
      cancelDeadline()
      call?.cancel()
      client.close()
      resolve(r)
    }
    const cancelDeadline = watchDeadline(outer, spec.timeoutMs, (why) =>
      finish({ status: 'critical', output: `${label}: ${why}` }),
    )
    call = client.check(
      { service: spec.service },
      { deadline: Date.now() + spec.timeoutMs },
      (error, response) => {
        if (error !== null) {
          const name = grpc.status[error.code] ?? String(error.code)
          return finish({
            status: 'critical',
            output: `${label}: ${name}: ${error.details || error.message}`,
          })
        }
        const status = response?.status ?? 'UNKNOWN'
        finish({ status: status === 'SERVING' ? 'passing' : 'critical', output: `${label}: ${status}` })
      },
    )
  })
}
