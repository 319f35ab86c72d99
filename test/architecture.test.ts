/**
 * The architecture, enforced (STYLE.md §1): crdt/ is pure (imports only itself and typebox, reads
 * no clock, no randomness, no timers, no process), dns/ never imports agent/, and no import cycle
 * exists among the project's files. The checks are pure functions over source text, each tested
 * on a synthetic example that must fail, then run over the real tree.
 */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const SCANNED_DIRS = ['crdt', 'dns', 'agent'] as const

/**
 * Remove comments; in `code` each string literal becomes `'<n>'` (its index in `strings`), in
 * `bare` it becomes empty, so patterns never match inside comments or strings.
 */
function stripSource(src: string): { code: string; bare: string; strings: string[] } {
  let code = ''
  let bare = ''
  const strings: string[] = []
  let i = 0
  const n = src.length
  while (i < n) {
    const c = src[i] as string
    const next = src[i + 1]
    if (c === '/' && next === '/') {
      while (i < n && src[i] !== '\n') i++
      continue
    }
    if (c === '/' && next === '*') {
      const end = src.indexOf('*/', i + 2)
      i = end < 0 ? n : end + 2
      code += ' '
      bare += ' '
      continue
    }
    if (c === "'" || c === '"' || c === '`') {
      let j = i + 1
      while (j < n && src[j] !== c) {
        if (src[j] === '\\') j++
        j++
      }
      const body = src.slice(i + 1, j)
      // A template with `${}` is computed: it gets no index, so it never counts as a literal.
      code += c === '`' && body.includes('${') ? '`computed`' : `'${strings.length}'`
      strings.push(body)
      bare += `${c}${c}`
      i = j + 1
      continue
    }
    code += c
    bare += c
    i++
  }
  return { code, bare, strings }
}

/** Every module specifier a file imports: static imports, re-exports, side-effect and dynamic imports. */
function scanImports(src: string): string[] {
  const { code, strings } = stripSource(src)
  const out: string[] = []
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?[^';]*?\bfrom\s*'(\d+)'/g,
    /\bimport\s*'(\d+)'/g,
    /\bimport\s*\(\s*'(\d+)'\s*[,)]/g,
  ]
  for (const re of patterns) {
    for (const m of code.matchAll(re)) out.push(strings[Number(m[1])] as string)
  }
  return out
}

/** A dynamic import whose specifier is not a literal cannot be checked: it is a violation by itself. */
function hasComputedImport(src: string): boolean {
  const { code } = stripSource(src)
  for (const m of code.matchAll(/\bimport\s*\(\s*([^)]*)/g)) {
    if (!/^'\d+'\s*(,|$)/.test((m[1] as string).trim())) return true
  }
  return false
}

const FORBIDDEN_IN_CRDT: ReadonlyArray<{ name: string; re: RegExp }> = [
  { name: 'Date.now', re: /\bDate\s*\.\s*now\b/ },
  { name: 'new Date(', re: /\bnew\s+Date\b/ },
  { name: 'Date()', re: /(?<![.\w])Date\s*\(/ },
  { name: 'performance.now', re: /\bperformance\s*\.\s*now\b/ },
  { name: 'Math.random', re: /\bMath\s*\.\s*random\b/ },
  { name: 'setTimeout', re: /\bsetTimeout\b/ },
  { name: 'setInterval', re: /\bsetInterval\b/ },
  { name: 'setImmediate', re: /\bsetImmediate\b/ },
  { name: 'process.', re: /(?<![.\w])process\s*\./ },
  { name: 'require(', re: /(?<![.\w])require\s*\(/ },
  { name: 'fetch(', re: /(?<![.\w])fetch\s*\(/ },
  { name: 'crypto.getRandomValues', re: /\bgetRandomValues\b/ },
]

/** The forbidden globals (clock, randomness, timers, process) that `src` uses outside comments and strings. */
function findForbiddenGlobals(src: string): string[] {
  const { bare } = stripSource(src)
  return FORBIDDEN_IN_CRDT.filter((f) => f.re.test(bare)).map((f) => f.name)
}

function isAllowedCrdtPackage(spec: string): boolean {
  return spec === 'typebox' || spec.startsWith('typebox/')
}

/** Resolve a relative specifier to a repo-relative path (posix separators), or undefined for a package. */
function resolveSpecifier(fromFile: string, spec: string): string | undefined {
  if (!spec.startsWith('.') && !spec.startsWith('/')) return undefined
  const abs = resolve(root, dirname(fromFile), spec)
  return relative(root, abs).split(sep).join('/')
}

type Graph = ReadonlyMap<string, readonly string[]>

/** One import cycle as a path `a -> b -> a`, or undefined. Iterative DFS, deterministic order. */
function findCycle(graph: Graph): string[] | undefined {
  const state = new Map<string, 1 | 2>()
  for (const start of [...graph.keys()].sort()) {
    if (state.has(start)) continue
    const stack: Array<{ node: string; next: number }> = [{ node: start, next: 0 }]
    state.set(start, 1)
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { node: string; next: number }
      const edges = graph.get(top.node) ?? []
      if (top.next >= edges.length) {
        state.set(top.node, 2)
        stack.pop()
        continue
      }
      const to = edges[top.next++] as string
      const s = state.get(to)
      if (s === 1) {
        const from = stack.findIndex((f) => f.node === to)
        return [...stack.slice(from).map((f) => f.node), to]
      }
      if (s === undefined && graph.has(to)) {
        state.set(to, 1)
        stack.push({ node: to, next: 0 })
      }
    }
  }
  return undefined
}

function listTs(dir: string): string[] {
  const abs = join(root, dir)
  let names: string[]
  try {
    names = readdirSync(abs)
  } catch {
    return []
  }
  const out: string[] = []
  for (const name of names.sort()) {
    const rel = `${dir}/${name}`
    if (statSync(join(root, rel)).isDirectory()) out.push(...listTs(rel))
    else if (name.endsWith('.ts')) out.push(rel)
  }
  return out
}

interface Violation {
  file: string
  problem: string
}

/** Check a set of files (repo-relative path -> source). Returns violations and the import graph. */
function checkArchitecture(files: ReadonlyMap<string, string>): { violations: Violation[]; graph: Graph } {
  const violations: Violation[] = []
  const graph = new Map<string, string[]>()
  for (const [file, src] of files) {
    const edges: string[] = []
    const inCrdt = file.startsWith('crdt/')
    const inDns = file.startsWith('dns/')
    if (hasComputedImport(src)) violations.push({ file, problem: 'dynamic import with a computed specifier' })
    for (const spec of scanImports(src)) {
      const target = resolveSpecifier(file, spec)
      if (target === undefined) {
        if (inCrdt && !isAllowedCrdtPackage(spec)) {
          violations.push({ file, problem: `crdt/ imports package '${spec}' (only typebox is allowed)` })
        }
        continue
      }
      edges.push(target)
      if (inCrdt && !target.startsWith('crdt/')) {
        violations.push({ file, problem: `crdt/ imports '${spec}' outside crdt/` })
      }
      if (inDns && target.startsWith('agent/')) {
        violations.push({ file, problem: `dns/ imports agent/ ('${spec}')` })
      }
    }
    if (inCrdt) {
      for (const name of findForbiddenGlobals(src)) {
        violations.push({
          file,
          problem: `crdt/ uses ${name} (time, randomness and I/O come in as arguments)`,
        })
      }
    }
    graph.set(file, edges)
  }
  return { violations, graph }
}

describe('architecture checks (self-test on synthetic sources)', () => {
  it('finds static, re-export, side-effect and dynamic imports, not ones in comments or strings', () => {
    const src = [
      "import a from 'pkg-a'",
      "import { b, type C } from './b.ts'",
      "import type { D } from '../d.ts'",
      "import * as e from 'e/sub'",
      "import 'side-effect'",
      "export { f } from './f.ts'",
      "export * from 'g'",
      "export type { H } from './h.ts'",
      "const m = await import('dyn')",
      'import {\n  x,\n  y,\n} from "multi-line"',
      "// import z from 'commented'",
      "/* import w from 'blocked' */",
      'const s = "import q from \'in-a-string\'"',
    ].join('\n')
    assert.deepEqual(scanImports(src).sort(), [
      '../d.ts',
      './b.ts',
      './f.ts',
      './h.ts',
      'dyn',
      'e/sub',
      'g',
      'multi-line',
      'pkg-a',
      'side-effect',
    ])
  })

  it('flags a dynamic import with a computed specifier', () => {
    assert.equal(hasComputedImport('await import(name)'), true)
    assert.equal(hasComputedImport(`await import(\`./\${name}.ts\`)`), true)
    assert.equal(hasComputedImport("await import('./x.ts')"), false)
    assert.equal(hasComputedImport('await import(`./x.ts`)'), false)
    assert.equal(hasComputedImport('const x = 1 // import(name)'), false)
  })

  const forbidden: Array<[string, string[]]> = [
    ['const t = Date.now()', ['Date.now']],
    ['const d = new Date(0)', ['new Date(', 'Date()']],
    ['const d = Date()', ['Date()']],
    ['const t = performance.now()', ['performance.now']],
    ['const r = Math.random()', ['Math.random']],
    ['setTimeout(f, 1)', ['setTimeout']],
    ['const h = setInterval(f, 1)', ['setInterval']],
    ['const e = process.env.X', ['process.']],
    ["const fs = require('fs')", ['require(']],
    ['// Date.now() in a comment is fine', []],
    ["const s = 'Math.random in a string is fine'", []],
    ['const now = opts.now; const p = x.process.y; const d = up.Date(1)', []],
  ]
  for (const [src, expected] of forbidden) {
    it(`forbidden globals in ${JSON.stringify(src)}: ${expected.join(', ') || 'none'}`, () => {
      assert.deepEqual(findForbiddenGlobals(src), expected)
    })
  }

  it('rejects every wrong-way import', () => {
    const files = new Map([
      [
        'crdt/a.ts',
        "import x from 'node:crypto'\nimport y from 'libp2p'\nimport z from '../agent/errors.ts'",
      ],
      ['crdt/b.ts', "import p from 'pino'\nexport * from 'fastify'\nimport 'node:fs'"],
      ['crdt/c.ts', "import Type from 'typebox'\nimport { Compile } from 'typebox/compile'\nimport './b.ts'"],
      ['crdt/d.ts', 'export const t = () => Date.now()'],
      ['dns/a.ts', "import { x } from '../agent/catalog/store.ts'\nimport { y } from '../crdt/c.ts'"],
      ['agent/a.ts', "import { y } from '../crdt/c.ts'\nimport { z } from '../dns/a.ts'\nimport 'node:fs'"],
    ])
    const { violations } = checkArchitecture(files)
    const byFile = (f: string) => violations.filter((v) => v.file === f).length
    assert.equal(byFile('crdt/a.ts'), 3)
    assert.equal(byFile('crdt/b.ts'), 3)
    assert.equal(byFile('crdt/c.ts'), 0)
    assert.equal(byFile('crdt/d.ts'), 1)
    assert.equal(byFile('dns/a.ts'), 1)
    assert.equal(byFile('agent/a.ts'), 0)
  })

  it('finds a cycle and reports its path; none in a DAG', () => {
    const dag = new Map([
      ['a', ['b', 'c']],
      ['b', ['c']],
      ['c', []],
    ])
    assert.equal(findCycle(dag), undefined)
    const cyclic = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['d']],
      ['d', ['b']],
    ])
    assert.deepEqual(findCycle(cyclic), ['b', 'c', 'd', 'b'])
    assert.deepEqual(findCycle(new Map([['self', ['self']]])), ['self', 'self'])
  })

  it('builds import edges that a cycle search can follow', () => {
    const files = new Map([
      ['agent/x.ts', "import { y } from './y.ts'"],
      ['agent/y.ts', "export { x } from './x.ts'"],
    ])
    assert.deepEqual(findCycle(checkArchitecture(files).graph), ['agent/x.ts', 'agent/y.ts', 'agent/x.ts'])
  })
})

describe('architecture of this repository', () => {
  const files = new Map<string, string>()
  for (const dir of SCANNED_DIRS) {
    for (const file of listTs(dir)) files.set(file, readFileSync(join(root, file), 'utf8'))
  }
  const { violations, graph } = checkArchitecture(files)

  it('scans the crdt/ sources', () => {
    assert.ok(
      [...files.keys()].some((f) => f === 'crdt/catalog.ts'),
      'crdt/catalog.ts not found',
    )
  })

  it('crdt/ is pure and dns/ does not import agent/', () => {
    assert.deepEqual(
      violations.map((v) => `${v.file}: ${v.problem}`),
      [],
    )
  })

  it('has no import cycle among crdt/, dns/ and agent/', () => {
    const cycle = findCycle(graph)
    assert.equal(cycle, undefined, `import cycle: ${cycle?.join(' -> ')}`)
  })
})
