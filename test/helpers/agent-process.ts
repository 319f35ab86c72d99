import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * A real `grapevine agent` as a separate OS process on loopback (preset `local`: mDNS off,
 * ephemeral ports, fast timers). `start` resolves once the agent logs that it is ready, with
 * the addresses it bound; `kill` signals it by PID. Used by end-to-end tests and benchmarks.
 */
export const REPO = new URL('../../', import.meta.url).pathname
export const BIN = join(REPO, 'agent/cli/bin.ts')

export interface ReadyInfo {
  readonly http: string
  readonly dns: string
  readonly peerId: string
  readonly multiaddrs: readonly string[]
}

export class AgentProcess {
  readonly name: string
  readonly dataDir: string
  readonly logs: string[] = []
  private child: ChildProcess | undefined
  private ownsDir: boolean
  info: ReadyInfo | undefined

  constructor(name: string, dataDir?: string) {
    this.name = name
    this.ownsDir = dataDir === undefined
    this.dataDir = dataDir ?? mkdtempSync(join(tmpdir(), `gv-proc-${name}-`))
  }

  get pid(): number | undefined {
    return this.child?.pid
  }

  /** Start with extra CLI args; resolves with the bound addresses from the ready log line. */
  start(
    args: readonly string[] = [],
    opts: { timeoutMs?: number; env?: Record<string, string>; preset?: 'local' | 'lan' } = {},
  ): Promise<ReadyInfo> {
    const argv = [
      BIN,
      'agent',
      '--preset',
      opts.preset ?? 'local',
      '--node',
      this.name,
      '--data-dir',
      this.dataDir,
      '--advertise',
      '127.0.0.1',
      ...args,
    ]
    const child = spawn(process.execPath, argv, {
      cwd: REPO,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    this.child = child
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`agent ${this.name} not ready in time; logs:\n${this.logs.join('\n')}`)),
        opts.timeoutMs ?? 60_000,
      )
      let buf = ''
      const onData = (chunk: Buffer): void => {
        buf += chunk.toString('utf8')
        let nl = buf.indexOf('\n')
        while (nl >= 0) {
          const line = buf.slice(0, nl)
          buf = buf.slice(nl + 1)
          this.logs.push(line)
          if (this.logs.length > 2000) this.logs.shift()
          if (line.includes('"component":"agent"') && line.includes('ready')) {
            try {
              const j = JSON.parse(line) as ReadyInfo
              this.info = { http: j.http, dns: j.dns, peerId: j.peerId, multiaddrs: j.multiaddrs }
              clearTimeout(timer)
              resolve(this.info)
            } catch {
              // not the line we want
            }
          }
          nl = buf.indexOf('\n')
        }
      }
      child.stdout?.on('data', onData)
      child.stderr?.on('data', (c: Buffer) => this.logs.push(c.toString('utf8')))
      child.once('exit', (code, signal) => {
        clearTimeout(timer)
        if (this.info === undefined)
          reject(
            new Error(`agent ${this.name} exited (${code ?? signal}) before ready:\n${this.logs.join('\n')}`),
          )
      })
    })
  }

  joinAddr(): string {
    const a = this.info?.multiaddrs.find((m) => m.includes('/p2p/'))
    if (a === undefined) throw new Error(`agent ${this.name} has no /p2p/ address`)
    return a
  }

  /** Send a signal and wait for exit (bounded). */
  async kill(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000): Promise<number | null> {
    const child = this.child
    if (child === undefined || child.exitCode !== null || child.signalCode !== null)
      return child?.exitCode ?? null
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    child.kill(signal)
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    const code = await exited
    clearTimeout(timer)
    return code
  }

  async cleanup(): Promise<void> {
    await this.kill('SIGKILL')
    if (this.ownsDir) rmSync(this.dataDir, { recursive: true, force: true })
  }
}

/** Run the `grapevine` CLI to completion (bounded); returns exit code and output. */
export function runCli(
  args: readonly string[],
  timeoutMs = 20_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('utf8')
    })
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8')
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}
