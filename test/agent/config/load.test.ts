import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { parseDurationMs } from '../../../agent/config/duration.ts'
import { loadConfig, redactConfig } from '../../../agent/config/load.ts'
import { renderConfigTable } from '../../../agent/config/reference.ts'
import { CONFIG_KEYS, envName } from '../../../agent/config/schema.ts'
import { GrapevineError } from '../../../agent/errors.ts'

describe('config', () => {
  it('defaults are the lan preset with Consul-compatible ports', () => {
    const c = loadConfig()
    assert.equal(c.http, '127.0.0.1:8500')
    assert.equal(c.dns, '127.0.0.1:8600')
    assert.equal(c.mdns, true)
    assert.equal(c.domain, 'grapevine')
    assert.equal(c.heartbeatInterval, 1000)
    assert.deepEqual(c.join, [])
  })

  it('local preset turns mDNS off and binds ephemeral loopback ports', () => {
    const c = loadConfig({ preset: 'local' })
    assert.equal(c.mdns, false)
    assert.equal(c.http, '127.0.0.1:0')
    assert.deepEqual(c.listen, ['/ip4/127.0.0.1/tcp/0'])
  })

  it('precedence: preset < file < env < flags', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gv-config-'))
    const file = join(dir, 'c.json')
    writeFileSync(
      file,
      JSON.stringify({ domain: 'file', datacenter: 'file', dnsTtl: '7s', logLevel: 'warn' }),
    )
    const c = loadConfig({
      file,
      env: {
        GRAPEVINE_DATACENTER: 'env',
        GRAPEVINE_LOG_LEVEL: 'debug',
        GRAPEVINE_JOIN: '/ip4/127.0.0.1/tcp/1, /ip4/127.0.0.1/tcp/2',
      },
      flags: { logLevel: 'error' },
    })
    assert.equal(c.domain, 'file')
    assert.equal(c.datacenter, 'env')
    assert.equal(c.dnsTtl, 7000)
    assert.equal(c.logLevel, 'error')
    assert.deepEqual(c.join, ['/ip4/127.0.0.1/tcp/1', '/ip4/127.0.0.1/tcp/2'])
  })

  it('reports every problem at once with key, source and what is allowed', () => {
    try {
      loadConfig({
        env: { GRAPEVINE_DNS_MAX_UDP_SIZE: '100', GRAPEVINE_MDNS: 'maybe' },
        flags: { logLevel: 'loud', heartbeatInterval: 'soon', nodename: 'x' },
      })
      assert.fail('should throw')
    } catch (e) {
      assert.ok(e instanceof GrapevineError)
      assert.equal(e.code, 'CONFIG_INVALID')
      assert.match(e.message, /dnsMaxUdpSize \(environment\): must be at least 512/)
      assert.match(e.message, /mdns \(environment\): must be true or false/)
      assert.match(e.message, /logLevel \(flags\): must be one of fatal, error/)
      assert.match(e.message, /heartbeatInterval \(flags\): "soon" is not a duration/)
      assert.match(e.message, /nodename \(flags\): unknown key \(did you mean "nodeName"\?\)/)
    }
  })

  it('a config file that is not JSON names the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gv-config-'))
    const file = join(dir, 'bad.json')
    writeFileSync(file, '{ nope')
    assert.throws(
      () => loadConfig({ file }),
      (e: unknown) => e instanceof GrapevineError && e.message.includes(file),
    )
  })

  it('redacts secrets', () => {
    const c = loadConfig({ flags: { token: 's3cret' } })
    assert.equal(c.token, 's3cret')
    assert.equal(redactConfig(c).token, '<redacted>')
    assert.ok(!JSON.stringify(redactConfig(c)).includes('s3cret'))
  })

  it('env names follow the key', () => {
    assert.equal(envName('dnsMaxUdpSize'), 'GRAPEVINE_DNS_MAX_UDP_SIZE')
    assert.equal(envName('dataDir'), 'GRAPEVINE_DATA_DIR')
  })

  it('durations parse Go-style', () => {
    const table: Array<[string | number, number | undefined]> = [
      ['10s', 10_000],
      ['500ms', 500],
      ['1m30s', 90_000],
      ['1h', 3_600_000],
      ['250', 250],
      [42, 42],
      ['1.5s', 1500],
      ['', undefined],
      ['10 s', undefined],
      ['s', undefined],
      [-1, undefined],
    ]
    for (const [input, want] of table) assert.equal(parseDurationMs(input), want, String(input))
  })

  it('docs/configuration.md holds the generated table for every key', () => {
    const page = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8')
    assert.ok(
      page.includes(renderConfigTable()),
      'docs/configuration.md is out of date: run `npm run docs:config`',
    )
    for (const key of Object.keys(CONFIG_KEYS)) assert.ok(page.includes(`\`${key}\``), key)
  })
})
