import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import dnsPacket from 'dns-packet'
import { seededRandom } from '../dns/catalog-fixture.ts'
import { sameQuestion, TcpClient, UdpClient } from '../dns/wire-client.ts'
import { waitFor } from '../helpers/wait-for.ts'

/**
 * Fuzz: 100k random and mutated datagrams over UDP plus 20k framed messages over TCP (and
 * garbage streams) against a server in its own process. Every 100 packets a valid query must
 * still get the right answer; at the end the process is alive and its RSS grew by a bounded amount.
 */
const SEED = Number(process.env['DNS_FUZZ_SEED'] ?? 20261122)
const UDP_PACKETS = 100_000
const TCP_MESSAGES = 20_000
const MAX_RSS_GROWTH_MB = 80
const here = dirname(fileURLToPath(import.meta.url))

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return Number(m![1])
}

const SEEDS: Buffer[] = [
  dnsPacket.encode({
    id: 1,
    type: 'query',
    flags: 256,
    questions: [{ type: 'A', name: 'web.service.grapevine' }],
  }),
  dnsPacket.encode({
    id: 1,
    type: 'query',
    questions: [{ type: 'SRV', name: '_web._tcp.service.grapevine' }],
    additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 4096 } as never],
  }),
  dnsPacket.encode({ id: 1, type: 'query', questions: [{ type: 'PTR', name: '1.0.0.10.in-addr.arpa' }] }),
  dnsPacket.encode({ id: 1, type: 'query', questions: [{ type: 'TXT', name: 'v1.web.service.grapevine' }] }),
  dnsPacket.encode({
    id: 1,
    type: 'query',
    questions: [{ type: 'ANY' as never, name: 'many.service.grapevine' }],
  }),
  dnsPacket.encode({ id: 1, type: 'query', questions: [{ type: 'A', name: 'example.com' }] }),
]

function mutate(rand: () => number): Buffer {
  const r = rand()
  const int = (n: number) => Math.floor(rand() * n)
  if (r < 0.2) {
    // Pure noise of random length.
    const b = Buffer.alloc(int(600))
    for (let i = 0; i < b.length; i++) b[i] = int(256)
    return b
  }
  const b = Buffer.from(SEEDS[int(SEEDS.length)]!)
  const edits = 1 + int(4)
  let out = b
  for (let e = 0; e < edits; e++) {
    const k = rand()
    if (out.length === 0) break
    if (k < 0.3) out[int(out.length)] = int(256)
    else if (k < 0.45) {
      const at = int(out.length)
      out[at] = out[at]! ^ (1 << int(8))
    } else if (k < 0.55) out = out.subarray(0, int(out.length))
    else if (k < 0.65) {
      // A compression pointer somewhere.
      const at = 12 + int(Math.max(1, out.length - 13))
      if (at + 1 < out.length) {
        out[at] = 0xc0 | int(4)
        out[at + 1] = int(256)
      }
    } else if (k < 0.75) {
      if (out.length >= 12) out.writeUInt16BE(int(4) === 0 ? 65535 : int(4), 4 + 2 * int(4)) // section counts
    } else if (k < 0.85) {
      const extra = Buffer.alloc(int(40))
      for (let i = 0; i < extra.length; i++) extra[i] = int(256)
      const at = int(out.length)
      out = Buffer.concat([out.subarray(0, at), extra, out.subarray(at)])
    } else if (k < 0.92) {
      if (out.length > 2) out[2] = int(256) // flags: QR, opcode
    } else if (out.length > 12) out[12] = int(256) // first label length
  }
  return out
}

const valid = (id: number) =>
  dnsPacket.encode({
    id,
    type: 'query',
    flags: 256,
    questions: [{ type: 'A', name: 'web.service.grapevine' }],
  })

function checkValid(reply: Buffer, id: number): void {
  const d = dnsPacket.decode(reply)
  assert.equal(d.id, id)
  assert.equal((d as unknown as { rcode: string }).rcode, 'NOERROR')
  assert.deepEqual(d.answers!.map((a) => (a as { data: string }).data).sort(), ['10.0.0.1', '10.0.0.2'])
}

describe(`DNS fuzz (seed ${SEED})`, { timeout: 120_000 }, () => {
  let child: ReturnType<typeof spawn>
  let port = 0
  let pid = 0
  before(async () => {
    child = spawn(process.execPath, [join(here, '../dns/serve-sample.ts')], {
      stdio: ['pipe', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
    })
    const info = await waitFor(
      'fuzz server to report its port',
      () => (out.includes('\n') ? JSON.parse(out.split('\n')[0]!) : undefined),
      {
        timeoutMs: 15_000,
      },
    )
    port = info.port
    pid = info.pid
  })
  after(async () => {
    if (child.exitCode === null) {
      child.stdin!.end()
      await waitFor('fuzz server to exit', () => child.exitCode !== null, { timeoutMs: 5000 }).catch(() =>
        child.kill('SIGKILL'),
      )
    }
  })

  it('survives random and mutated packets, answering a valid query every 100', async () => {
    const rand = seededRandom(SEED)
    const udp = await UdpClient.open(port)
    const started = performance.now()
    let validId = 0
    try {
      // Warm up, then take the RSS baseline.
      for (let b = 0; b < 20; b++) {
        for (let i = 0; i < 100; i++) udp.send(mutate(rand))
        checkValid(await udp.ask(valid(60000 + b), 3000, sameQuestion(valid(60000 + b))), 60000 + b)
      }
      const rssBefore = rssKb(pid)

      for (let sent = 0; sent < UDP_PACKETS; sent += 100) {
        for (let i = 0; i < 100; i++) udp.send(mutate(rand))
        const id = validId++ % 50000
        // Fuzz packets may carry the same ID; the reply must be the valid answer all the same.
        const q = valid(id)
        checkValid(await udp.ask(q, 3000, sameQuestion(q)), id)
      }

      let tcp = await TcpClient.open(port)
      for (let sent = 0; sent < TCP_MESSAGES; sent += 100) {
        if (tcp.closed) tcp = await TcpClient.open(port)
        for (let i = 0; i < 100; i++) {
          const m = mutate(rand)
          if (m.length > 0) tcp.write(m)
        }
        const id = 50000 + (validId++ % 10000)
        const seen = tcp.replies.length
        tcp.write(valid(id))
        await waitFor(
          `TCP reply ${id}`,
          () =>
            tcp.replies
              .slice(seen)
              .some((r) => r.readUInt16BE(0) === id && r[2]! & 0x80 && (r[3]! & 0xf) === 0),
          {
            timeoutMs: 5000,
            intervalMs: 1,
          },
        )
        checkValid(tcp.replies.slice(seen).find((r) => r.readUInt16BE(0) === id && (r[3]! & 0xf) === 0)!, id)
        tcp.replies.length = 0
      }
      tcp.close()

      // Garbage streams that break the framing: the server must only close those connections.
      for (let i = 0; i < 50; i++) {
        const g = await TcpClient.open(port)
        const b = Buffer.alloc(1 + Math.floor(rand() * 300))
        for (let j = 0; j < b.length; j++) b[j] = Math.floor(rand() * 256)
        g.writeRaw(b)
        g.close()
      }
      checkValid(await udp.ask(valid(65000), 3000, sameQuestion(valid(65000))), 65000)

      const growthMb = (rssKb(pid) - rssBefore) / 1024
      const seconds = (performance.now() - started) / 1000
      console.log(
        `fuzz: ${UDP_PACKETS} UDP + ${TCP_MESSAGES} TCP messages in ${seconds.toFixed(1)} s, RSS growth ${growthMb.toFixed(1)} MB`,
      )
      assert.equal(child.exitCode, null, 'server process still running')
      assert.ok(growthMb < MAX_RSS_GROWTH_MB, `RSS grew by ${growthMb.toFixed(1)} MB`)
    } finally {
      udp.close()
    }
  })
})
