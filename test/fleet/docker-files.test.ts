import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { loadDefinitions } from '../../agent/registry/definitions.ts'
import { waitFor } from '../helpers/wait-for.ts'
import { NODE_BIN, REPO_ROOT } from './fleet.ts'
import { AGENT_ENTRY } from './fleet-agent.ts'

/**
 * What can be checked of docker/ without Docker (it cannot run here): the image runs the same
 * command as the fleet tests; every demo definition file is valid; compose mounts directories
 * that exist; and the image's entrypoint and HEALTHCHECK work when run outside Docker, on
 * loopback with mDNS off, configured through the same environment variables the image sets.
 */
const DOCKER = join(REPO_ROOT, 'docker')
const dockerfile = readFileSync(join(DOCKER, 'Dockerfile'), 'utf8')
const compose = readFileSync(join(DOCKER, 'compose.yaml'), 'utf8')
const tmp = mkdtempSync(join(tmpdir(), 'gv-docker-'))
after(() => rmSync(tmp, { recursive: true, force: true }))

function instruction(name: string): string {
  const line = dockerfile.split('\n').find((l) => l.startsWith(`${name} `))
  assert.ok(line !== undefined, `Dockerfile has no ${name}`)
  return line.slice(name.length + 1).trim()
}

test('the image entrypoint is the command the fleet tests run', () => {
  assert.deepEqual(JSON.parse(instruction('ENTRYPOINT')), ['node', ...AGENT_ENTRY])
  assert.match(instruction('USER'), /^node$/)
  assert.match(dockerfile, /HEALTHCHECK [^\n]*\\\n\s+CMD \["node", "docker\/healthcheck\.ts"\]/)
})

test('every demo service definition file is valid, ids unique', () => {
  const ids: string[] = []
  for (const host of readdirSync(join(DOCKER, 'demo'))) {
    const r = loadDefinitions(join(DOCKER, 'demo', host))
    assert.deepEqual(r.errors, [], host)
    ids.push(...r.registrations.map((x) => x.input.id ?? ''))
  }
  assert.equal(ids.length, 4)
  assert.equal(new Set(ids).size, ids.length)
})

test('compose: five sidecars from the image, each mounting an existing demo dir', () => {
  const mounts = [...compose.matchAll(/\.\/demo\/(gv\d):\/etc\/grapevine\/services:ro/g)].map((m) => m[1])
  assert.deepEqual(mounts, ['gv1', 'gv2', 'gv3', 'gv4', 'gv5'])
  for (const m of mounts) assert.ok(statSync(join(DOCKER, 'demo', m!)).isDirectory())
  assert.match(compose, /dockerfile: docker\/Dockerfile/)
  const settings = compose
    .split('\n')
    .filter((l) => !l.trim().startsWith('#'))
    .join('\n')
  assert.doesNotMatch(settings, /GRAPEVINE_JOIN|--join/, 'the demo fleet must find itself by mDNS')
})

test('entrypoint and healthcheck work outside Docker (loopback, mDNS off)', async () => {
  const env = {
    ...process.env,
    NODE_ENV: 'production',
    GRAPEVINE_DATA_DIR: join(tmp, 'data'),
    GRAPEVINE_HTTP: '127.0.0.1:0',
    GRAPEVINE_DNS: '127.0.0.1:0',
    GRAPEVINE_LISTEN: '/ip4/127.0.0.1/tcp/0',
    GRAPEVINE_MDNS: 'false',
    GRAPEVINE_NODE_NAME: 'gv2',
    GRAPEVINE_CONFIG_DIR: join(DOCKER, 'demo', 'gv2'),
  }
  const agent = spawn(NODE_BIN, [...AGENT_ENTRY], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  try {
    let out = ''
    agent.stdout.on('data', (d: Buffer) => {
      out += d.toString()
    })
    agent.stderr.on('data', (d: Buffer) => {
      out += d.toString()
    })
    const http = await waitFor('the ready line', () => /"http":"(127\.0\.0\.1:\d+)"/.exec(out)?.[1], {
      timeoutMs: 20_000,
    })
    const check = (addr: string) =>
      spawnSync(NODE_BIN, ['docker/healthcheck.ts'], {
        cwd: REPO_ROOT,
        env: { ...process.env, GRAPEVINE_HTTP: addr },
        timeout: 10_000,
      }).status
    assert.equal(check(http), 0)
    assert.equal(check(http.replace('127.0.0.1', '0.0.0.0')), 0)
    const res = await fetch(`http://${http}/v1/services/web`, { signal: AbortSignal.timeout(5_000) })
    const body = (await res.json()) as { instances: Array<{ id: string }> }
    assert.deepEqual(
      body.instances.map((i) => i.id),
      ['web-gv2'],
    )
    agent.kill('SIGTERM')
    const code = await new Promise((r) => agent.once('exit', r))
    assert.equal(code, 0)
    assert.equal(check(http), 1, 'healthcheck fails once the agent is gone')
  } finally {
    agent.kill('SIGKILL')
  }
})
