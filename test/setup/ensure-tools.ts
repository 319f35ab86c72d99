/**
 * `npx node test/setup/ensure-tools.ts [command ...]` (wired as npm's `pretest`): installs the
 * Debian packages of the programs in TOOLS (all, or the ones named) that are missing. As root it
 * runs `apt-get update` once and `apt-get install -y --no-install-recommends` for the missing
 * packages; otherwise it prints the command to run. It never fails the test run itself: a test
 * that needs a program that is still missing fails on its own with a clear message.
 */
import { spawnSync } from 'node:child_process'
import { findTool, TOOLS, type ToolSpec } from './tools.ts'

function apt(args: readonly string[]): boolean {
  const r = spawnSync('apt-get', args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  })
  return r.status === 0
}

const wanted = process.argv.slice(2)
const unknown = wanted.filter((w) => !TOOLS.some((t) => t.command === w))
if (unknown.length > 0) {
  console.error(
    `ensure-tools: unknown tool(s) ${unknown.join(', ')}; known: ${TOOLS.map((t) => t.command).join(', ')}`,
  )
  process.exit(2)
}
const selected = wanted.length > 0 ? TOOLS.filter((t) => wanted.includes(t.command)) : TOOLS
const missing: ToolSpec[] = selected.filter((t) => findTool(t.command) === undefined)
if (missing.length === 0) process.exit(0)

const packages = [...new Set(missing.map((t) => t.debPackage))]
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
if (!isRoot) {
  console.error(
    `ensure-tools: missing ${missing.map((t) => t.command).join(', ')}; not root, so not installing. ` +
      `Run: sudo apt-get install -y --no-install-recommends ${packages.join(' ')}`,
  )
  process.exit(0)
}

console.error(`ensure-tools: installing ${packages.join(' ')}`)
if (!apt(['update', '-qq'])) console.error('ensure-tools: apt-get update failed; trying the install anyway')
const install = ['install', '-y', '-qq', '--no-install-recommends']
if (!apt([...install, ...packages])) {
  // One bad package must not block the others: retry them one at a time.
  for (const pkg of packages)
    if (!apt([...install, pkg])) console.error(`ensure-tools: could not install ${pkg}`)
}
const still = missing.filter((t) => findTool(t.command) === undefined)
for (const t of still)
  console.error(`ensure-tools: '${t.command}' (${t.debPackage}) is still missing; needed by ${t.usedBy}`)
process.exit(0)
