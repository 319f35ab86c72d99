import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { ERROR_CODES } from '../../../agent/errors.ts'
import { buildTestApi } from './setup.ts'

/** The docs are part of the change: these keep docs/errors.md and docs/http-api.md in step. */
const root = new URL('../../../', import.meta.url)
const read = (path: string) => readFileSync(new URL(path, root), 'utf8')

export const NATIVE_ROUTES = [
  'POST /v1/instances',
  'PUT /v1/instances/:id',
  'DELETE /v1/instances/:id',
  'GET /v1/instances/:id',
  'PUT /v1/instances/:id/health',
  'PUT /v1/instances/:id/maintenance',
  'GET /v1/services',
  'GET /v1/services/:name',
  'GET /v1/members',
  'GET /v1/agent',
  'PUT /v1/agent/reload',
  'GET /v1/watch',
  'GET /health',
  'GET /ready',
  'GET /metrics',
] as const

describe('docs', () => {
  it('docs/errors.md has a row for every error code, and no other', () => {
    const doc = read('docs/errors.md')
    const rows = [...doc.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])])
    assert.deepEqual(
      rows.map(([c]) => c).sort(),
      Object.keys(ERROR_CODES).sort(),
      'codes in docs/errors.md = ERROR_CODES',
    )
    for (const [code, status] of rows) {
      assert.equal(status, ERROR_CODES[code as keyof typeof ERROR_CODES], `${code} status`)
    }
  })

  it('docs/http-api.md documents every native route, each with a curl example, and each is served', async () => {
    const doc = read('docs/http-api.md')
    const sections = doc.split(/^### /m).slice(1)
    const t = buildTestApi()
    await t.app.ready()
    for (const route of NATIVE_ROUTES) {
      const section = sections.find((s) => s.startsWith(`${route}\n`))
      assert.ok(section, `docs/http-api.md has a section "### ${route}"`)
      assert.match(section, /curl /, `${route} has a curl example`)
      const [method, url] = route.split(' ') as [string, string]
      assert.ok(t.app.hasRoute({ method: method as 'GET', url }), `${route} is served`)
    }
    await t.app.close()
  })
})
