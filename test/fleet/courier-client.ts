import { fileURLToPath } from 'node:url'
import { HostProcess, type LogLine } from './host-process.ts'

/**
 * The test-side end of a courier (courier.ts): sends HTTP requests that are made from inside
 * one host's namespace and returns their answers.
 */
export interface CourierAnswer {
  readonly status: number
  readonly body: string
}

const COURIER = fileURLToPath(new URL('./courier.ts', import.meta.url))

interface Waiter {
  readonly resolve: (a: CourierAnswer) => void
  readonly reject: (e: Error) => void
}

export class CourierClient {
  readonly process: HostProcess
  private nextId = 1
  private readonly pending = new Map<number, Waiter>()
  private readonly ready: Promise<void>
  private markReady: () => void = () => {}

  constructor(init: { ns: string; cwd: string; nodeBin: string }) {
    this.ready = new Promise((resolve) => {
      this.markReady = resolve
    })
    this.process = new HostProcess({
      ns: init.ns,
      cwd: init.cwd,
      argv: [init.nodeBin, COURIER],
      stdin: true,
      onJson: (line) => this.onAnswer(line),
    })
    // A write after the courier died must fail the request, not crash the test process.
    this.process.child.stdin?.on('error', () => {})
    this.process.child.once('exit', () => {
      for (const w of this.pending.values()) w.reject(new Error(`courier in ${init.ns} exited`))
      this.pending.clear()
    })
  }

  private onAnswer(line: LogLine): void {
    if (line.ready === true) {
      this.markReady()
      return
    }
    const id = typeof line.id === 'number' ? line.id : -1
    const waiter = this.pending.get(id)
    if (waiter === undefined) return
    this.pending.delete(id)
    if (typeof line.error === 'string') waiter.reject(new Error(line.error))
    else
      waiter.resolve({
        status: typeof line.status === 'number' ? line.status : 0,
        body: typeof line.body === 'string' ? line.body : '',
      })
  }

  async request(method: string, url: string, body?: unknown, timeoutMs = 5_000): Promise<CourierAnswer> {
    let timer: ReturnType<typeof setTimeout> | undefined
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`courier in ${this.process.ns} not ready:\n${this.process.tail()}`)),
        15_000,
      )
    })
    try {
      await Promise.race([this.ready, late])
    } finally {
      clearTimeout(timer)
    }
    const id = this.nextId++
    const line = JSON.stringify({
      id,
      method,
      url,
      timeoutMs,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    if (!this.process.alive)
      throw new Error(`courier in ${this.process.ns} has exited:\n${this.process.tail()}`)
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      this.process.child.stdin!.write(`${line}\n`)
    })
  }

  /** Close stdin: the courier exits on its own. */
  close(): void {
    this.process.child.stdin?.end()
  }
}
