/**
 * mDNS discovery, only inside a network namespace this test creates (only `lo` up, multicast routed
 * to it) and deletes: two agents with no --join find each other, replicate, and reconnect after
 * their connection drops. Skipped when not root (namespaces need it).
 */
import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'

const NS = `gv-mdns-${process.pid}`
const isRoot = process.getuid?.() === 0
const child = fileURLToPath(new URL('../agent/gossip/mdns-child.ts', import.meta.url))

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'ignore' })
}

describe('gossip: mDNS discovery in a private network namespace', {
  skip: isRoot ? false : 'needs root',
}, () => {
  before(() => {
    ip('netns', 'add', NS)
    ip('-n', NS, 'link', 'set', 'lo', 'up')
    ip('-n', NS, 'link', 'set', 'lo', 'multicast', 'on')
    ip('-n', NS, 'route', 'add', '224.0.0.0/4', 'dev', 'lo')
  })
  after(() => {
    try {
      ip('netns', 'del', NS)
    } catch {
      // already gone
    }
  })

  it('two agents with no --join discover each other by mDNS, replicate, and reconnect after a drop', async () => {
    const proc = spawn('ip', ['netns', 'exec', NS, process.execPath, child], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    proc.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8')
    })
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => proc.kill('SIGKILL'), 120_000)
      proc.on('close', (c) => {
        clearTimeout(timer)
        resolve(c)
      })
    })
    const line = out.split('\n').find((l) => l.startsWith('{'))
    assert.ok(line !== undefined, `no result from the child (exit ${code}): ${out}`)
    const result = JSON.parse(line) as { ok: boolean; discoveredMs?: number; error?: string }
    assert.equal(result.ok, true, result.error)
    console.log(`# mDNS: discovered and connected ${result.discoveredMs} ms after start`)
    assert.equal(code, 0)
  })
})
