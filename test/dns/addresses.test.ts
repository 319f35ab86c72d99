import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  canonicalIp,
  hexLabelToIp,
  ipToHexLabel,
  ipToReverseName,
  isLoopbackHost,
  reverseLabelsToIp,
} from '../../dns/addresses.ts'

describe('addresses', () => {
  const ips = [
    '10.0.0.1',
    '192.168.255.7',
    '::1',
    '2001:db8::1',
    'fe80::1:2:3:4',
    '::ffff:10.1.2.3',
    '1:2:3:4:5:6:7:8',
  ]
  for (const ip of ips) {
    it(`${ip}: hex label and reverse name round-trip`, () => {
      const c = canonicalIp(ip)!
      assert.ok(c)
      assert.equal(hexLabelToIp(ipToHexLabel(ip)!), c.ip)
      assert.equal(reverseLabelsToIp(ipToReverseName(ip)!.split('.')), c.ip)
    })
  }
  it('canonical forms', () => {
    assert.deepEqual(canonicalIp('2001:0db8:0:0:0:0:0:0001'), { family: 6, ip: '2001:db8::1' })
    assert.deepEqual(canonicalIp('10.0.0.1'), { family: 4, ip: '10.0.0.1' })
    assert.equal(canonicalIp('db.internal'), undefined)
    assert.equal(canonicalIp('10.0.0.256'), undefined)
  })
  it('hex labels', () => {
    assert.equal(ipToHexLabel('10.0.0.1'), '0a000001')
    assert.equal(hexLabelToIp('0a00001'), undefined)
    assert.equal(hexLabelToIp('0a00000g'), undefined)
  })
  it('reverse names reject partial or bad labels', () => {
    assert.equal(reverseLabelsToIp('1.0.0.010.in-addr.arpa'.split('.')), undefined)
    assert.equal(reverseLabelsToIp('1.0.0.in-addr.arpa'.split('.')), undefined)
    assert.equal(
      reverseLabelsToIp([
        'ab',
        ...'0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa'.split('.'),
      ]),
      undefined,
    )
  })
  it('loopback hosts', () => {
    assert.equal(isLoopbackHost('127.0.0.1'), true)
    assert.equal(isLoopbackHost('127.9.9.9'), true)
    assert.equal(isLoopbackHost('::1'), true)
    assert.equal(isLoopbackHost('0.0.0.0'), false)
    assert.equal(isLoopbackHost('10.0.0.1'), false)
  })
})
