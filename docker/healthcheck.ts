/**
 * The image's HEALTHCHECK: GET /health on the agent's own HTTP address (GRAPEVINE_HTTP, as the
 * agent reads it); exit 0 when it answers 200 within 2 s, else 1. A wildcard bind address is
 * asked on loopback. No curl in the slim image, so Node does it.
 */
const configured = process.env.GRAPEVINE_HTTP ?? '127.0.0.1:8500'
const addr = configured.replace(/^0\.0\.0\.0:/, '127.0.0.1:').replace(/^\[::\]:/, '[::1]:')

try {
  const res = await fetch(`http://${addr}/health`, { signal: AbortSignal.timeout(2_000) })
  process.exit(res.ok ? 0 : 1)
} catch {
  process.exit(1)
}
