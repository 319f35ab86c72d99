import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { after, before, test } from 'node:test'
import { waitFor } from '../helpers/wait-for.ts'
import { Fleet, type Host, NODE_BIN } from './fleet.ts'
import { HostProcess } from './host-process.ts'
import { addNamespace, ipIn, listFleetNamespaces, namespacePids, rootSnapshot } from './ip.ts'
import { sweepStaleNamespaces } from './sweep.ts'

/**
 * The harness itself, with a trivial HTTP server instead of the agent: hosts reach each other
 * over the switch, partitions and pulled cables cut exactly what they should, and teardown
 * leaves no namespace, no process, and the machine's own namespace exactly as it was.
 */
const ECHO = new URL('./echo-server.ts', import.meta.url).pathname
const SIGNAL_CHILD = new URL('./signal-child.ts', import.meta.url).pathname

let fleet: Fleet
let rootBefore: string

async function reach(from: Host, to: Host): Promise<string | undefined> {
  try {
    const r = await from.courier.request('GET', `http://${to.ip}:8080/`, undefined, 700)
    return (JSON.parse(r.body) as { host: string }).host
  } catch {
    return undefined
  }
}

before(async () => {
  rootBefore = rootSnapshot()
  fleet = Fleet.create(3)
  for (const h of fleet.hosts) {
    const p = fleet.spawn(h, { argv: [NODE_BIN, ECHO, h.ip, '8080', h.name] })
    await p.waitForLog('listening', (l) => l.msg === 'listening', 10_000)
  }
})

after(() => fleet?.close())

test('hosts reach each other across the switch, from inside their namespaces', async () => {
  const [h1, h2, h3] = fleet.hosts as [Host, Host, Host]
  assert.equal(await reach(h1, h2), 'h2')
  assert.equal(await reach(h2, h3), 'h3')
  assert.equal(await reach(h3, h1), 'h1')
})

test('a partition cuts exactly across the two sides, and heal restores it', async () => {
  const [h1, h2, h3] = fleet.hosts as [Host, Host, Host]
  fleet.partition([h3])
  assert.equal(await reach(h1, h3), undefined)
  assert.equal(await reach(h3, h2), undefined)
  assert.equal(await reach(h1, h2), 'h2')
  fleet.heal()
  assert.equal(await waitFor('h1 -> h3 after heal', () => reach(h1, h3), { timeoutMs: 5_000 }), 'h3')
})

test('a pulled cable isolates one host; plugging it back restores it', async () => {
  const [h1, h2, h3] = fleet.hosts as [Host, Host, Host]
  fleet.linkDown(h2)
  assert.equal(await reach(h1, h2), undefined)
  assert.equal(await reach(h2, h3), undefined)
  assert.equal(await reach(h1, h3), 'h3')
  fleet.linkUp(h2)
  assert.equal(await waitFor('h1 -> h2 after link up', () => reach(h1, h2), { timeoutMs: 5_000 }), 'h2')
})

test('multicast is routed on each host veth (mDNS needs it)', () => {
  for (const h of fleet.hosts) {
    assert.match(ipIn(h.ns, 'route', 'show'), /^224\.0\.0\.0\/4 dev eth0/m)
  }
})

test('teardown kills every process, deletes every namespace, leaves the root namespace untouched', async () => {
  const pids = fleet.livePids()
  assert.ok(pids.length >= 6, `expected echo servers and couriers, got ${pids.length}`)
  const ours = fleet.prefix
  await fleet.close()
  assert.deepEqual(
    listFleetNamespaces().filter((n) => n.name.startsWith(ours)),
    [],
  )
  for (const pid of pids) {
    assert.throws(() => process.kill(pid, 0), /ESRCH/, `pid ${pid} still alive`)
  }
  assert.equal(rootSnapshot(), rootBefore)
})

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`a ${signal} to the test process tears its fleet down`, async () => {
    const child = spawn(NODE_BIN, [SIGNAL_CHILD], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
    })
    const exited = new Promise<number | string | null>((r) => child.once('exit', (c, s) => r(c ?? s)))
    const info = await waitFor(
      'the child fleet',
      () => {
        const line = out.split('\n').find((l) => l.startsWith('{'))
        return line === undefined ? undefined : (JSON.parse(line) as { prefix: string; pids: number[] })
      },
      { timeoutMs: 20_000 },
    )
    assert.equal(info.pids.length, 2)
    assert.equal(listFleetNamespaces().filter((n) => n.name.startsWith(info.prefix)).length, 3)
    child.kill(signal)
    assert.equal(await exited, signal === 'SIGINT' ? 130 : 143)
    assert.deepEqual(
      listFleetNamespaces().filter((n) => n.name.startsWith(info.prefix)),
      [],
    )
    for (const pid of info.pids) await waitFor(`pid ${pid} gone`, () => !isAlive(pid))
  })
}

test('the sweep removes namespaces of dead runs (and their processes) and nothing else', async () => {
  const dead = spawnSync(NODE_BIN, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
  const deadPid = Number(dead.stdout)
  const stale = `gvt${deadPid}-h1`
  addNamespace(stale)
  const sleeper = new HostProcess({ ns: stale, cwd: '/', argv: ['sleep', '60'] })
  await waitFor('sleeper inside the stale namespace', () => namespacePids(stale).includes(sleeper.pid))
  const removed = sweepStaleNamespaces()
  assert.deepEqual(removed, [stale])
  await sleeper.waitExit(5_000)
  assert.equal(sleeper.exit?.signal, 'SIGKILL')
  assert.ok(!listFleetNamespaces().some((n) => n.name === stale))
})
