/**
 * Builds the batched UDP addon (batch_udp.c) with node-gyp, the one npm ships. Runs at
 * `npm ci`/`npm install` (postinstall) and as `npm run build:native`. A failed build is not an
 * install failure: the DNS resolver then uses node:dgram, answers the same, at a lower rate
 * (docs/dns.md). It says why, and how to retry.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))

function nodeGyp(): string[] | undefined {
  const fromNpm = process.env.npm_config_node_gyp
  if (fromNpm !== undefined && existsSync(fromNpm)) return [process.execPath, fromNpm]
  const which = spawnSync('sh', ['-c', 'command -v node-gyp'], { encoding: 'utf8' })
  const path = which.stdout.trim()
  return which.status === 0 && path !== '' ? [path] : undefined
}

function warn(why: string): void {
  process.stderr.write(
    `grapevine: the batched UDP addon was not built (${why}).\n` +
      '  The DNS resolver will use node:dgram: same answers, lower peak rate (docs/dns.md).\n' +
      '  To build it: install python3, make and a C compiler, then run `npm run build:native`.\n',
  )
}

if (process.platform !== 'linux') {
  warn(`recvmmsg is Linux-only; this is ${process.platform}`)
} else {
  const gyp = nodeGyp()
  if (gyp === undefined) {
    warn('node-gyp not found')
  } else {
    const [cmd, ...pre] = gyp as [string, ...string[]]
    const r = spawnSync(cmd, [...pre, 'rebuild'], { cwd: here, encoding: 'utf8', timeout: 180_000 })
    if (r.status === 0 && existsSync(join(here, 'build', 'Release', 'batch_udp.node'))) {
      process.stderr.write(
        'grapevine: built the batched UDP addon (dns/native/build/Release/batch_udp.node)\n',
      )
    } else {
      const tail = `${r.stderr ?? ''}${r.error?.message ?? ''}`.trim().split('\n').slice(-3).join(' | ')
      warn(`node-gyp rebuild failed: ${tail}`)
    }
  }
}
