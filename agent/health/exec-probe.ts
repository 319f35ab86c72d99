import { spawn } from 'node:child_process'
import type { CheckStatus } from '../../crdt/schema.ts'
import type { ExecCheckSpec } from './check-spec.ts'
import { errorText, OutputCapture, type ProbeResult, watchDeadline } from './probe.ts'

/**
 * Exec check: runs argv directly (no shell, so nothing in an argument is interpreted), in its
 * own process group. Exit 0 is passing, 1 warning, anything else critical. stdout and stderr
 * are captured together up to 4 KiB (the rest is drained and dropped). On timeout the whole
 * process group gets SIGKILL, so a script's own children die with it.
 */
export function statusForExitCode(code: number | null): CheckStatus {
  if (code === 0) return 'passing'
  if (code === 1) return 'warning'
  return 'critical'
}

/** How long to wait for the pipes to close after the process exited (a background child may hold them). */
const PIPE_GRACE_MS = 200

export function execProbe(spec: ExecCheckSpec, outer: AbortSignal): Promise<ProbeResult> {
  const [command, ...args] = spec.args as [string, ...string[]]
  return new Promise<ProbeResult>((resolve) => {
    let settled = false
    let exited = false
    const capture = new OutputCapture()
    const finish = (r: ProbeResult): void => {
      if (settled) return
      settled = true
      cancelDeadline()
      child.stdout?.destroy()
      child.stderr?.destroy()
      resolve(r)
    }
    const killGroup = (): void => {
      if (child.pid === undefined) return
      try {
        process.kill(-child.pid, 'SIGKILL')
      } catch {
        // Already gone.
      }
    }
    const onStop = (why: string): void => {
      killGroup()
      const out = capture.text()
      finish({
        status: 'critical',
        output: `${why}; killed ${command}${out === '' ? '' : `. Output: ${out}`}`,
      })
    }
    const child = spawn(command, args, {
      shell: false,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    })
    const onData = (chunk: Buffer): void => {
      capture.push(chunk)
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.once('error', (e) =>
      finish({ status: 'critical', output: `cannot run ${command}: ${errorText(e)}` }),
    )
    let code: number | null = null
    let sig: NodeJS.Signals | null = null
    const report = (): void => {
      const out = capture.text()
      const how = sig !== null ? `killed by ${sig}` : `exit ${code}`
      finish({ status: statusForExitCode(sig !== null ? null : code), output: out === '' ? how : out })
    }
    child.once('exit', (c, s) => {
      exited = true
      code = c
      sig = s
      // Normally 'close' follows at once; don't wait forever on pipes a leftover child holds.
      setTimeout(report, PIPE_GRACE_MS).unref()
    })
    child.once('close', () => {
      if (exited) report()
    })
    const cancelDeadline = watchDeadline(outer, spec.timeoutMs, onStop)
  })
}
