/**
 * The operator commands' HTTP client for the local agent. Failures become `CliError`s whose
 * message says what to do and whose exit code scripts can rely on (docs/cli.md).
 */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, UNREACHABLE: 3, NOT_FOUND: 4 } as const

export class CliError extends Error {
  readonly exitCode: number
  constructor(message: string, exitCode: number) {
    super(message)
    this.exitCode = exitCode
  }
}

export interface ClientOptions {
  /** `host:port` of the agent's HTTP API. */
  readonly http: string
  readonly token?: string
  readonly timeoutMs?: number
}

export class AgentClient {
  private readonly base: string
  private readonly opts: ClientOptions

  constructor(opts: ClientOptions) {
    this.opts = opts
    this.base = `http://${opts.http}`
  }

  private headers(json: boolean): Record<string, string> {
    const h: Record<string, string> = {}
    if (json) h['content-type'] = 'application/json'
    if (this.opts.token !== undefined && this.opts.token !== '') h.authorization = `Bearer ${this.opts.token}`
    return h
  }

  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<{ status: number; body: T; headers: Headers }> {
    let res: Response
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers: this.headers(body !== undefined),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: signal ?? AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
      })
    } catch (e) {
      const reason = e instanceof Error && e.cause instanceof Error ? e.cause.message : String(e)
      throw new CliError(
        `no agent at ${this.opts.http} — is \`grapevine agent\` running? (use --http or GRAPEVINE_HTTP for another address; ${reason})`,
        EXIT.UNREACHABLE,
      )
    }
    const text = await res.text()
    let parsed: unknown = text
    try {
      parsed = text.length > 0 ? JSON.parse(text) : undefined
    } catch {
      // not JSON: keep the text
    }
    if (res.status >= 400) {
      const msg =
        parsed !== null && typeof parsed === 'object' && 'message' in parsed
          ? String((parsed as { message: unknown }).message)
          : text
      const code =
        parsed !== null && typeof parsed === 'object' && 'code' in parsed
          ? ` [${String((parsed as { code: unknown }).code)}]`
          : ''
      throw new CliError(
        `the agent answered ${res.status}${code}: ${msg}`,
        res.status === 404 ? EXIT.NOT_FOUND : EXIT.FAILED,
      )
    }
    return { status: res.status, body: parsed as T, headers: res.headers }
  }

  /** Raw streaming GET (for SSE). */
  async stream(path: string, signal: AbortSignal): Promise<Response> {
    try {
      const res = await fetch(`${this.base}${path}`, {
        headers: { ...this.headers(false), accept: 'text/event-stream' },
        signal,
      })
      if (res.status >= 400)
        throw new CliError(`the agent answered ${res.status}: ${await res.text()}`, EXIT.FAILED)
      return res
    } catch (e) {
      if (e instanceof CliError) throw e
      throw new CliError(`no agent at ${this.opts.http} — is \`grapevine agent\` running?`, EXIT.UNREACHABLE)
    }
  }
}
