/**
 * Runs INSIDE a test host's network namespace (`ip netns exec NS node test/fleet/courier.ts`)
 * and carries HTTP requests for the test process, which lives in the machine's own namespace
 * and cannot reach namespace addresses (that isolation is the point). Protocol: one JSON object
 * per line on stdin `{id, method, url, body?, timeoutMs}`, one per line on stdout
 * `{id, status, body}` or `{id, error}`. It exits when stdin closes, so it never outlives the
 * test that started it.
 */
import { createInterface } from 'node:readline'

interface CourierRequest {
  readonly id: number
  readonly method: string
  readonly url: string
  readonly body?: string
  readonly timeoutMs: number
}

function reply(message: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(message)}\n`)
}

async function carry(req: CourierRequest): Promise<void> {
  try {
    const res = await fetch(req.url, {
      method: req.method,
      ...(req.body === undefined ? {} : { body: req.body, headers: { 'content-type': 'application/json' } }),
      signal: AbortSignal.timeout(req.timeoutMs),
    })
    reply({ id: req.id, status: res.status, body: await res.text() })
  } catch (e) {
    reply({ id: req.id, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) })
  }
}

const lines = createInterface({ input: process.stdin })
lines.on('line', (line) => {
  if (line.trim() === '') return
  void carry(JSON.parse(line) as CourierRequest)
})
lines.on('close', () => process.exit(0))
reply({ id: 0, ready: true })
