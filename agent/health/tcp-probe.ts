import net from 'node:net'
import type { TcpCheckSpec } from './check-spec.ts'
import { errorText, type ProbeResult, watchDeadline } from './probe.ts'

/** TCP check: passing when a connection to host:port is accepted within the timeout. */
export function tcpProbe(spec: TcpCheckSpec, outer: AbortSignal): Promise<ProbeResult> {
  const label = `TCP connect ${spec.host.includes(':') ? `[${spec.host}]` : spec.host}:${spec.port}`
  return new Promise<ProbeResult>((resolve) => {
    let settled = false
    const finish = (r: ProbeResult): void => {
      if (settled) return
      settled = true
      cancelDeadline()
      socket.destroy()
      resolve(r)
    }
    const cancelDeadline = watchDeadline(outer, spec.timeoutMs, (why) =>
      finish({ status: 'critical', output: `${label}: ${why}` }),
    )
    const socket = net.connect({ host: spec.host, port: spec.port })
    socket.once('connect', () => finish({ status: 'passing', output: `${label}: Success` }))
    socket.once('error', (e) => finish({ status: 'critical', output: `${label}: ${errorText(e)}` }))
  })
}
