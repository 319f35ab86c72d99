/**
 * One DNS server under test in its own process, as dnsmasq runs in its own (and as the agent
 * would): a benchmark process that parses a million latency lines between runs must not share a
 * heap, or a garbage collector, with the server it measures.
 *
 *   node dns-target.ts grapevine [udpReceiveBufferBytes]   DnsServer over the bench's 1,000 names
 *   node dns-target.ts node-udp-floor                       the least a Node UDP responder can do
 *
 * Prints one JSON line {"port": N} once listening. Exits on SIGTERM, when stdin closes (the bench
 * died), or after DNS_TARGET_LIFE_MS (30 min) at the latest.
 */
import { createSocket } from 'node:dgram'
import pino from 'pino'
import { DnsServer } from '../../dns/server.ts'
import { benchView } from './dns-fixture.ts'

const mode = process.argv[2]
const life = Number(process.env['DNS_TARGET_LIFE_MS'] ?? 30 * 60_000)
let stop: () => Promise<void>

if (mode === 'grapevine') {
  const rcvbuf = Number(process.argv[3] ?? 0)
  const server = new DnsServer(
    { logger: pino({ level: 'warn' }), view: () => benchView },
    { udp: { port: 0 }, tcp: { port: 0 }, ...(rcvbuf > 0 ? { udpReceiveBufferBytes: rcvbuf } : {}) },
  )
  await server.start()
  stop = () => server.stop()
  process.stdout.write(`${JSON.stringify({ port: server.addresses().udp.port })}\n`)
} else if (mode === 'node-udp-floor') {
  // The floor under any DNS server written on node:dgram: no parsing, no lookup, one fixed
  // A record appended to the echoed question. Same socket options as DnsServer's UDP listener.
  const sock = createSocket({
    type: 'udp4',
    lookup: (address, _family, cb) => cb(null, address, 4),
    recvBufferSize: 4 * 1024 * 1024,
  })
  const rr = Uint8Array.of(0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 10, 0, 0, 8)
  sock.on('message', (m, r) => {
    if (m.length < 12 || (m[2]! & 0x80) !== 0 || r.port === 0) return
    const out = Buffer.allocUnsafe(m.length + rr.length)
    m.copy(out)
    out[2] = 0x84 | (m[2]! & 1)
    out[3] = 0
    out[7] = 1 // one answer, appended after the question (dnsperf's queries carry no OPT record)
    out.set(rr, m.length)
    sock.send(out, r.port, r.address)
  })
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve))
  stop = () => new Promise<void>((resolve) => sock.close(() => resolve()))
  process.stdout.write(`${JSON.stringify({ port: sock.address().port })}\n`)
} else {
  process.stderr.write('usage: dns-target.ts grapevine [udpReceiveBufferBytes] | node-udp-floor\n')
  process.exit(2)
}

let stopping = false
const shutdown = () => {
  if (stopping) return
  stopping = true
  void stop().finally(() => process.exit(0))
}
process.on('SIGTERM', shutdown)
process.stdin.on('close', shutdown)
process.stdin.resume()
setTimeout(shutdown, life).unref()
