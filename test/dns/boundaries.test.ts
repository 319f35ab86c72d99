import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { resolveDnsOptions } from '../../dns/options.ts'

const root = join(dirname(fileURLToPath(import.meta.url)), '../..')

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  )
}

describe('dns/ boundaries', () => {
  it('dns/ imports crdt/ and its own files, never agent/', () => {
    for (const file of tsFiles(join(root, 'dns'))) {
      const src = readFileSync(file, 'utf8')
      for (const m of src.matchAll(/from '([^']+)'/g)) {
        const spec = m[1]!
        if (!spec.startsWith('.')) continue
        const target = relative(root, join(dirname(file), spec))
        assert.ok(
          target.startsWith('dns/') || target.startsWith('crdt/'),
          `${relative(root, file)} imports ${spec}`,
        )
      }
    }
  })
  it('no import cycles inside dns/', () => {
    const graph = new Map<string, string[]>()
    for (const file of tsFiles(join(root, 'dns'))) {
      const deps = [...readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)]
        .map((m) => join(dirname(file), m[1]!))
        .filter((f) => f.startsWith(join(root, 'dns')))
      graph.set(file, deps)
    }
    const state = new Map<string, 'visiting' | 'done'>()
    const visit = (f: string, path: string[]): void => {
      if (state.get(f) === 'done') return
      assert.notEqual(
        state.get(f),
        'visiting',
        `cycle: ${[...path, f].map((p) => relative(root, p)).join(' -> ')}`,
      )
      state.set(f, 'visiting')
      for (const d of graph.get(f) ?? []) visit(d, [...path, f])
      state.set(f, 'done')
    }
    for (const f of graph.keys()) visit(f, [])
  })
  it('no dns/ file is over 400 lines', () => {
    for (const file of tsFiles(join(root, 'dns'))) {
      const lines = readFileSync(file, 'utf8').split('\n').length
      assert.ok(lines <= 400, `${relative(root, file)} has ${lines} lines`)
    }
  })
  it('docs/dns.md documents every option', () => {
    const r = resolveDnsOptions({})
    assert.ok(r.ok)
    const doc = readFileSync(join(root, 'docs/dns.md'), 'utf8')
    const keys: string[] = []
    for (const [k, v] of Object.entries(r.options)) {
      if (k === 'udp' || k === 'tcp') keys.push(`${k}.host`, `${k}.port`)
      else if (v !== null && typeof v === 'object' && !Array.isArray(v))
        for (const sub of Object.keys(v)) keys.push(`${k}.${sub}`)
      else keys.push(k)
    }
    const missing = keys.filter((k) => !doc.includes(`\`${k}\``))
    assert.deepEqual(missing, [])
  })
})
