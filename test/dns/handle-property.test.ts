import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import dnsPacket from 'dns-packet'
import fc from 'fast-check'
import { DnsServer } from '../../dns/server.ts'
import { seededRandom, silentLogger } from './catalog-fixture.ts'
import { sampleCatalog } from './harness.ts'

/**
 * Properties of the whole chain on arbitrary bytes: never throws; a QR=1 or short message never
 * gets a reply; every reply is a response with the query's ID, RA clear, and fits the UDP limit.
 */
const catalog = sampleCatalog()
const server = new DnsServer(
  { logger: silentLogger(), view: () => catalog, random: seededRandom(1) },
  { udp: { port: 0 }, tcp: { port: 0 } },
)
const seeds = [
  dnsPacket.encode({ id: 5, type: 'query', questions: [{ type: 'A', name: 'many.service.grapevine' }] }),
  dnsPacket.encode({
    id: 6,
    type: 'query',
    questions: [{ type: 'SRV', name: 'web.service.grapevine' }],
    additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1400 } as never],
  }),
]
const mutated = fc
  .tuple(
    fc.constantFrom(...seeds),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
    fc.nat(),
  )
  .map(([seed, edits, cut]) => {
    const b = Buffer.from(seed)
    for (const [at, v] of edits) b[at % b.length] = v
    return cut % 4 === 0 ? b.subarray(0, cut % (b.length + 1)) : b
  })
const anyBytes = fc.oneof(fc.uint8Array({ maxLength: 700 }), mutated)

describe('DnsServer.handle on arbitrary bytes', () => {
  it('never throws; replies are well-formed responses within the size limit', async () => {
    await fc.assert(
      fc.asyncProperty(
        anyBytes,
        fc.constantFrom('udp' as const, 'tcp' as const),
        async (bytes, transport) => {
          const out = await server.handle(bytes, transport, { address: '127.0.0.1', port: 1 }).outcome
          if (bytes.length < 12 || (bytes[2]! & 0x80) !== 0) {
            assert.equal(out.kind, 'drop')
            return
          }
          assert.equal(out.kind, 'reply')
          if (out.kind !== 'reply') return
          const r = out.bytes
          assert.equal((r[0]! << 8) | r[1]!, (bytes[0]! << 8) | bytes[1]!)
          assert.equal(r[2]! & 0x80, 0x80, 'QR set')
          assert.equal(r[3]! & 0x80, 0, 'RA clear')
          if (transport === 'udp') assert.ok(r.length <= 1232)
          dnsPacket.decode(Buffer.from(r)) // our replies always decode
        },
      ),
      { numRuns: 5000, seed: 1122 },
    )
  })
})
