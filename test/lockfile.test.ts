import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'

/**
 * `npm ci` (what CI runs) refuses a lockfile that lacks an entry for any optional dependency,
 * and `npm install` against a registry that does not serve some platforms' binaries drops them
 * (docs/development.md). Catch that here, before it reaches CI.
 */
describe('package-lock.json', () => {
  it('has an entry for every optional dependency of every locked package', () => {
    const lock = JSON.parse(readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8')) as {
      packages: Record<string, { optionalDependencies?: Record<string, string> }>
    }
    const missing: string[] = []
    for (const [path, pkg] of Object.entries(lock.packages)) {
      for (const dep of Object.keys(pkg.optionalDependencies ?? {})) {
        const nested = `${path === '' ? '' : `${path}/`}node_modules/${dep}`
        if (!(nested in lock.packages) && !(`node_modules/${dep}` in lock.packages))
          missing.push(`${dep} (of ${path || 'the root'})`)
      }
    }
    assert.deepEqual(missing, [], 'restore these lockfile entries (see docs/development.md)')
  })
})
