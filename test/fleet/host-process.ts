import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { waitFor } from '../helpers/wait-for.ts'
import { assertOwnNamespace, ipCommand } from './ip.ts'

/**
 * One process started inside a test host's namespace with `ip netns exec` (which execs, so the
 * PID is the program itself and SIGSTOP/SIGKILL reach it). It runs in its own process group so
 * teardown can kill it and anything it forked by PID. Stdout lines that parse as JSON are kept
 * (the agent logs JSON lines); the rest of stdout and stderr are kept as text for failure
 * messages.
 */
export interface HostProcessInit {
  readonly ns: string
  readonly argv: readonly string[]
  readonly cwd: string
  readonly env?: Readonly<Record<string, string>>
  /** Keep stdin open as a pipe (the courier reads requests from it). */
  readonly stdin?: boolean
  /** Receives each JSON stdout line instead of keeping it in `logs`. */
  readonly onJson?: (line: LogLine) => void
}

export type LogLine = Record<string, unknown>

export class HostProcess {
  readonly ns: string
  readonly pid: number
  readonly logs: LogLine[] = []
  readonly text: string[] = []
  readonly child: ChildProcess
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined
  private readonly exited: Promise<void>
  private readonly onJson: ((line: LogLine) => void) | undefined

  constructor(init: HostProcessInit) {
    assertOwnNamespace(init.ns)
    this.ns = init.ns
    this.onJson = init.onJson
    this.child = spawn(ipCommand(), ['netns', 'exec', init.ns, ...init.argv], {
      cwd: init.cwd,
      env: { ...process.env, ...init.env },
      detached: true,
      stdio: [init.stdin === true ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    })
    if (this.child.pid === undefined) throw new Error(`could not start ${init.argv.join(' ')} in ${init.ns}`)
    this.pid = this.child.pid
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exit = { code, signal }
        resolve()
      })
    })
    createInterface({ input: this.child.stdout! }).on('line', (line) => this.onLine(line))
    createInterface({ input: this.child.stderr! }).on('line', (line) => this.keepText(`stderr: ${line}`))
  }

  private onLine(line: string): void {
    if (line.startsWith('{')) {
      try {
        const parsed = JSON.parse(line) as LogLine
        if (this.onJson === undefined) this.logs.push(parsed)
        else this.onJson(parsed)
        return
      } catch {
        // not JSON after all; keep it as text
      }
    }
    this.keepText(line)
  }

  private keepText(line: string): void {
    this.text.push(line)
    if (this.text.length > 500) this.text.shift()
  }

  get alive(): boolean {
    return this.exit === undefined
  }

  /** Signal the process itself (SIGSTOP/SIGCONT/SIGTERM/SIGKILL). */
  signal(sig: NodeJS.Signals): void {
    if (this.alive) process.kill(this.pid, sig)
  }

  /** SIGKILL the whole process group, synchronously (safe in an 'exit' handler). */
  killGroup(): void {
    if (!this.alive) return
    try {
      process.kill(-this.pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }

  /** Resolves when the process has exited (rejects after `timeoutMs`). */
  async waitExit(timeoutMs: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`pid ${this.pid} in ${this.ns} still running`)), timeoutMs)
    })
    try {
      await Promise.race([this.exited, timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  /** The first JSON log line matching `match`, waiting up to `timeoutMs` for it. */
  async waitForLog(what: string, match: (l: LogLine) => boolean, timeoutMs: number): Promise<LogLine> {
    return waitFor(
      `${what} in the output of pid ${this.pid} (${this.ns})`,
      () => {
        const found = this.logs.find(match)
        if (found === undefined && !this.alive) {
          throw new Error(`process exited (${JSON.stringify(this.exit)}):\n${this.tail()}`)
        }
        return found
      },
      { timeoutMs, intervalMs: 20 },
    )
  }

  /** The last lines of output, for failure messages. */
  tail(n = 20): string {
    const logs = this.logs.slice(-n).map((l) => JSON.stringify(l))
    return [...logs, ...this.text.slice(-n)].join('\n')
  }
}
