import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import dnsPacket from 'dns-packet'
import { parseQuery, skipName } from '../../dns/query.ts'
import { RCODE } from '../../dns/wire-constants.ts'

/** A query built by hand: header fields, then raw body bytes. */
function raw(
  h: { id?: number; flags?: number; qd?: number; an?: number; ns?: number; ar?: number },
  body: number[],
): Buffer {
  const b = Buffer.alloc(12 + body.length)
  b.writeUInt16BE(h.id ?? 0x1234, 0)
  b.writeUInt16BE(h.flags ?? 0x0100, 2)
  b.writeUInt16BE(h.qd ?? 1, 4)
  b.writeUInt16BE(h.an ?? 0, 6)
  b.writeUInt16BE(h.ns ?? 0, 8)
  b.writeUInt16BE(h.ar ?? 0, 10)
  Buffer.from(body).copy(b, 12)
  return b
}
const label = (s: string) => [s.length, ...Buffer.from(s, 'latin1')]
const webA = [...label('web'), ...label('service'), ...label('grapevine'), 0, 0, 1, 0, 1]
const opt = (udp: number, version = 0, rdata: number[] = []) => [
  0,
  0,
  41,
  udp >> 8,
  udp & 255,
  0,
  version,
  0,
  0,
  rdata.length >> 8,
  rdata.length & 255,
  ...rdata,
]

describe('parseQuery: valid queries', () => {
  it('reads id, flags, labels (lowercased), type, class and the key', () => {
    const p = parseQuery(
      dnsPacket.encode({
        id: 7,
        type: 'query',
        flags: dnsPacket.RECURSION_DESIRED,
        questions: [{ type: 'SRV', name: 'WeB.Service.GrapeVine' }],
      }),
    )
    assert.ok(p.ok)
    assert.equal(p.query.id, 7)
    assert.deepEqual(p.query.labels, ['web', 'service', 'grapevine'])
    assert.equal(p.query.qtype, 33)
    assert.equal(p.query.qclass, 1)
    assert.equal(p.query.key, '33/\x03web\x07service\x09grapevine\x00')
    assert.equal(p.query.edns, undefined)
  })
  it('reads EDNS0 size and the DO bit', () => {
    const p = parseQuery(raw({ ar: 1 }, [...webA, ...opt(4096)]))
    assert.ok(p.ok)
    assert.deepEqual(p.query.edns, { udpSize: 4096, dnssecOk: false })
  })
  it('keeps a label containing a dot as one label', () => {
    const p = parseQuery(raw({}, [...label('web.service'), ...label('grapevine'), 0, 0, 1, 0, 1]))
    assert.ok(p.ok)
    assert.deepEqual(p.query.labels, ['web.service', 'grapevine'])
  })
  it('skips other additional records (a TSIG-like record with a compressed owner)', () => {
    const tsigish = [0xc0, 12, 0, 250, 0, 255, 0, 0, 0, 0, 0, 2, 1, 2]
    const p = parseQuery(raw({ ar: 1 }, [...webA, ...tsigish]))
    assert.ok(p.ok)
  })
  it('accepts the root name', () => {
    const p = parseQuery(raw({}, [0, 0, 6, 0, 1]))
    assert.ok(p.ok)
    assert.deepEqual(p.query.labels, [])
  })
})

describe('parseQuery: every malformed class has a defined outcome', () => {
  const long63 = 'a'.repeat(63)
  const cases: { name: string; bytes: Buffer; want: 'drop' | number }[] = [
    { name: 'empty datagram', bytes: Buffer.alloc(0), want: 'drop' },
    { name: 'truncated header (11 bytes)', bytes: Buffer.alloc(11), want: 'drop' },
    { name: 'a response (QR=1)', bytes: raw({ flags: 0x8100 }, webA), want: 'drop' },
    { name: 'a response with garbage', bytes: raw({ flags: 0x8000, qd: 7 }, [1, 2, 3]), want: 'drop' },
    { name: 'opcode NOTIFY', bytes: raw({ flags: 4 << 11 }, webA), want: RCODE.NOTIMP },
    { name: 'opcode UPDATE', bytes: raw({ flags: 5 << 11 }, webA), want: RCODE.NOTIMP },
    { name: 'QDCOUNT 0', bytes: raw({ qd: 0 }, []), want: RCODE.FORMERR },
    { name: 'QDCOUNT 2', bytes: raw({ qd: 2 }, [...webA, ...webA]), want: RCODE.FORMERR },
    { name: 'QDCOUNT 65535', bytes: raw({ qd: 65535 }, webA), want: RCODE.FORMERR },
    { name: 'answers in a query', bytes: raw({ an: 1 }, webA), want: RCODE.FORMERR },
    { name: 'authority in a query', bytes: raw({ ns: 1 }, webA), want: RCODE.FORMERR },
    { name: 'header only, QDCOUNT 1', bytes: raw({}, []), want: RCODE.FORMERR },
    { name: 'name runs past the end', bytes: raw({}, [5, 0x61, 0x62]), want: RCODE.FORMERR },
    { name: 'name without its root label', bytes: raw({}, label('web')), want: RCODE.FORMERR },
    { name: 'type/class missing', bytes: raw({}, [...label('web'), 0, 0]), want: RCODE.FORMERR },
    {
      name: 'label of 64 (0x40 type)',
      bytes: raw({}, [64, ...Buffer.alloc(64, 0x61), 0, 0, 1, 0, 1]),
      want: RCODE.FORMERR,
    },
    { name: 'label type 0x80', bytes: raw({}, [0x81, 0x61, 0, 0, 1, 0, 1]), want: RCODE.FORMERR },
    {
      name: 'name longer than 255 octets',
      bytes: raw({}, [...label(long63), ...label(long63), ...label(long63), ...label(long63), 0, 0, 1, 0, 1]),
      want: RCODE.FORMERR,
    },
    { name: 'compression pointer to itself', bytes: raw({}, [0xc0, 12, 0, 1, 0, 1]), want: RCODE.FORMERR },
    {
      name: 'compression pointer into the header',
      bytes: raw({}, [0xc0, 2, 0, 1, 0, 1]),
      want: RCODE.FORMERR,
    },
    {
      name: 'pointer loop after a label',
      bytes: raw({}, [...label('a'), 0xc0, 12, 0, 1, 0, 1]),
      want: RCODE.FORMERR,
    },
    { name: 'trailing garbage', bytes: raw({}, [...webA, 9, 9, 9]), want: RCODE.FORMERR },
    {
      name: 'ARCOUNT larger than the records',
      bytes: raw({ ar: 2 }, [...webA, ...opt(1232)]),
      want: RCODE.FORMERR,
    },
    {
      name: 'OPT with a non-root owner',
      bytes: raw({ ar: 1 }, [...webA, ...label('x'), 0, 0, 41, 16, 0, 0, 0, 0, 0, 0, 0]),
      want: RCODE.FORMERR,
    },
    {
      name: 'two OPT records',
      bytes: raw({ ar: 2 }, [...webA, ...opt(1232), ...opt(1232)]),
      want: RCODE.FORMERR,
    },
    {
      name: 'OPT rdlength past the end',
      bytes: raw({ ar: 1 }, [...webA, 0, 0, 41, 16, 0, 0, 0, 0, 0, 0, 9]),
      want: RCODE.FORMERR,
    },
    {
      name: 'OPT option overrunning its record',
      bytes: raw({ ar: 1 }, [...webA, ...opt(1232, 0, [0, 10, 0, 8, 1, 2])]),
      want: RCODE.FORMERR,
    },
    {
      name: 'OPT option header cut short',
      bytes: raw({ ar: 1 }, [...webA, ...opt(1232, 0, [0, 10, 0])]),
      want: RCODE.FORMERR,
    },
    { name: 'EDNS version 1', bytes: raw({ ar: 1 }, [...webA, ...opt(1232, 1)]), want: RCODE.BADVERS },
    {
      name: 'additional record whose owner points at itself',
      bytes: raw({ ar: 1 }, [...webA, 0xc0, 39, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0]),
      want: RCODE.FORMERR,
    },
    {
      name: 'additional record header cut short',
      bytes: raw({ ar: 1 }, [...webA, 0, 0, 41, 16]),
      want: RCODE.FORMERR,
    },
  ]
  for (const c of cases) {
    it(`${c.name} -> ${c.want === 'drop' ? 'drop' : `rcode ${c.want}`}`, () => {
      const p = parseQuery(c.bytes)
      assert.equal(p.ok, false)
      if (p.ok) return
      if (c.want === 'drop') assert.equal(p.action, 'drop')
      else {
        assert.equal(p.action, 'error')
        if (p.action === 'error') {
          assert.equal(p.rcode, c.want)
          assert.equal(p.id, c.bytes.length >= 2 ? c.bytes.readUInt16BE(0) : 0)
        }
      }
    })
  }
})

describe('skipName', () => {
  it('follows a backward pointer once', () => {
    const b = Buffer.from([...Buffer.alloc(12), ...label('a'), 0, 0xc0, 12])
    assert.equal(skipName(b, 15), 17)
  })
  it('rejects pointers that do not strictly go backwards (loops)', () => {
    // 12: pointer to 14; 14: pointer to 12 -> the second jump is not below the first target.
    const b = Buffer.from([...Buffer.alloc(12), 0xc0, 14, 0xc0, 12])
    assert.equal(skipName(b, 14), -1)
  })
  it('rejects a name past the buffer', () => assert.equal(skipName(Buffer.from([3, 0x61]), 0), -1))
})
