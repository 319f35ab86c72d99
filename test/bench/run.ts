/**
 * `npm run bench [-- name ...]`: runs test/bench/<name>.bench.ts for each name (all when none),
 * streams their JSON lines to stdout, and saves them to test/bench/results/<name>.jsonl.
 * Each benchmark prints lines like {"bench":"crdt","figure":"merge_throughput","value":1,"unit":"records/s"}.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const available = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.slice(0, -'.bench.ts'.length))
  .sort()
const wanted = process.argv.slice(2)
const unknown = wanted.filter((w) => !available.includes(w))
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; available: ${available.join(', ')}`)
  process.exit(2)
}
const names = wanted.length > 0 ? wanted : available
const resultsDir = join(here, 'results')
mkdirSync(resultsDir, { recursive: true })

let failed = 0
for (const name of names) {
  const lines: string[] = []
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, [join(here, `${name}.bench.ts`)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let buf = ''
    child.stdout.on('data', (chunk: Buffer) => {
      buf += chunk.toString('utf8')
      let nl = buf.indexOf('\n')
      while (nl >= 0) {
        const line = buf.slice(0, nl)
        buf = buf.slice(nl + 1)
        process.stdout.write(`${line}\n`)
        if (line.startsWith('{')) lines.push(line)
        nl = buf.indexOf('\n')
      }
    })
    child.on('close', (c) => resolve(c ?? 1))
  })
  writeFileSync(join(resultsDir, `${name}.jsonl`), lines.join('\n') + (lines.length > 0 ? '\n' : ''))
  if (code !== 0) {
    console.error(`benchmark ${name} exited with ${code}`)
    failed++
  }
}
// Rebuild docs/benchmarks.md from every saved result (this run's and earlier ones').
await new Promise<void>((resolve) => {
  spawn(process.execPath, [join(here, 'report.ts')], { stdio: 'inherit' }).on('close', () => resolve())
})
process.exit(failed > 0 ? 1 : 0)
