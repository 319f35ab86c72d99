import net from 'node:net'
import type { TcpCheckSpec } from './check-spec.ts'
import { errorText, type Probe, type ProbeResult, watchDeadline } from './probe.ts'

/**
 * TCP check: passing when a connection to host:port is accepted within the timeout; the
 * connection is then closed at once with a normal close (FIN), like Consul's. The label and the
 * passing result are made once per check definition: a passing run allocates no output.
 */
interface Known {
  readonly label: string
  readonly passing: ProbeResult
}

/** A TCP probe with its own per-definition cache of labels. */
export function createTcpProbe(): Probe<TcpCheckSpec> {
  const known = new WeakMap<TcpCheckSpec, Known>()
  return (spec, outer) => {
    let k = known.get(spec)
    if (k === undefined) {
      const label = `TCP connect ${spec.host.includes(':') ? `[${spec.host}]` : spec.host}:${spec.port}`
      k = { label, passing: Object.freeze({ status: 'passing', output: `${label}: Success` }) }
      known.set(spec, k)
    }
    return connectOnce(spec, k, outer)
  }
}

function connectOnce(
  spec: TcpCheckSpec,
  { label, passing }: Known,
  outer: AbortSignal,
): Promise<ProbeResult> {
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
    const socket = net.connect(spec.port, spec.host)
    socket.once('connect', () => finish(passing))
    socket.once('error', (e) => finish({ status: 'critical', output: `${label}: ${errorText(e)}` }))
  })
}
