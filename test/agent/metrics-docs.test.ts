import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'

const ROOT = new URL('../../', import.meta.url).pathname

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sources(path)
    return name.endsWith('.ts') ? [path] : []
  })
}

describe('docs/metrics.md', () => {
  it('lists every metric the code registers', () => {
    const page = readFileSync(join(ROOT, 'docs/metrics.md'), 'utf8')
    const names = new Set<string>()
    for (const file of [...sources(join(ROOT, 'agent')), ...sources(join(ROOT, 'dns'))]) {
      for (const m of readFileSync(file, 'utf8').matchAll(/name: '(grapevine_[a-z_]+)'/g))
        names.add(m[1] as string)
    }
    assert.ok(names.size > 10, `found ${names.size} metric names`)
    const missing = [...names].filter((n) => !page.includes(`\`${n}\``))
    assert.deepEqual(missing, [], 'add these to docs/metrics.md')
  })
})
