import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { foldKey, normalizeKeys } from '../../../../agent/api/consul/normalize-keys.ts'
import {
  consulCheckId,
  durationFromConsul,
  normalizeServiceBody,
  registrationFromConsul,
} from '../../../../agent/api/consul/registration.ts'

function ok(body: unknown) {
  const r = registrationFromConsul(body)
  if (!r.ok) assert.fail(`expected ok, got: ${r.error}`)
  return r.value
}

function err(body: unknown): string {
  const r = registrationFromConsul(body)
  if (r.ok) assert.fail('expected an error')
  return r.error
}

describe('consul key normalization', () => {
  it('folds case, underscores and dashes', () => {
    assert.equal(foldKey('DeregisterCriticalServiceAfter'), foldKey('deregister_critical_service_after'))
    assert.equal(foldKey('TLSSkipVerify'), 'tlsskipverify')
  })

  it('rewrites known keys to their canonical spelling and keeps unknown ones', () => {
    const r = normalizeKeys({ name: 'x', PORT: 1, weird: 2 }, { canonical: ['Name', 'Port'] }, 'body')
    assert.deepEqual(r, { ok: true, value: { Name: 'x', Port: 1, weird: 2 } })
  })

  it('refuses two spellings of one key', () => {
    const r = normalizeKeys({ Name: 'a', name: 'b' }, { canonical: ['Name'] }, 'body')
    assert.equal(r.ok, false)
    assert.match(r.ok ? '' : r.error, /both "Name" and "name"/)
  })

  it('refuses a body that is not an object', () => {
    for (const v of [undefined, null, [], 'x', 3]) {
      const r = normalizeKeys(v, { canonical: [] }, 'body')
      assert.equal(r.ok, false, JSON.stringify(v))
    }
  })

  it('normalizes nested Check, Checks and Weights but never Meta or Header keys', () => {
    const r = normalizeServiceBody({
      name: 'web',
      meta: { Some_Key: 'v' },
      weights: { passing: 3 },
      check: { ttl: '5s', header: { 'X-Custom': ['a'] } },
      checks: [{ tcp: 'h:1', interval: '1s' }],
    })
    assert.ok(r.ok)
    const v = r.value as Record<string, Record<string, unknown>>
    assert.deepEqual(v['Meta'], { Some_Key: 'v' })
    assert.deepEqual(v['Weights'], { Passing: 3 })
    assert.deepEqual(v['Check'], { TTL: '5s', Header: { 'X-Custom': ['a'] } })
    assert.deepEqual(v['Checks'], [{ TCP: 'h:1', Interval: '1s' }])
  })
})

describe('registrationFromConsul', () => {
  it('maps a full Consul definition', () => {
    const v = ok({
      ID: 'web1',
      Name: 'web',
      Tags: ['v1', 'primary'],
      Address: '10.0.0.5',
      Port: 8080,
      Meta: { version: '1.0' },
      Weights: { Passing: 10, Warning: 1 },
      EnableTagOverride: true,
    })
    assert.deepEqual(v, {
      id: 'web1',
      service: 'web',
      port: 8080,
      tags: ['v1', 'primary'],
      meta: { version: '1.0' },
      weight: 10,
      checks: [],
      address: '10.0.0.5',
    })
  })

  it('defaults the id to the name (as Consul), port to 0, no address', () => {
    const v = ok({ name: 'redis' })
    assert.equal(v.id, 'redis')
    assert.equal(v.port, 0)
    assert.equal(v.address, undefined)
    assert.equal(ok({ Name: 'redis', Address: '' }).address, undefined)
  })

  it('accepts lowercase and snake_case keys and drops nulls', () => {
    const v = ok({
      name: 'api',
      id: 'api-1',
      port: 81,
      tags: null,
      enable_tag_override: false,
      check: { http: 'http://127.0.0.1:81/health', interval: '10s', deregister_critical_service_after: '1m' },
    })
    assert.equal(v.id, 'api-1')
    assert.deepEqual(v.tags, [])
    assert.equal(v.checks?.[0]?.deregisterCriticalAfter, '1m')
  })

  it('gives a single check the id service:<id>, several service:<id>:<n>', () => {
    assert.equal(ok({ Name: 'a', Check: { TTL: '5s' } }).checks?.[0]?.id, 'service:a')
    const many = ok({
      Name: 'a',
      ID: 'a1',
      Check: { TTL: '5s' },
      Checks: [
        { TCP: '127.0.0.1:1', Interval: '1s' },
        { CheckID: 'own', TTL: '9s' },
      ],
    })
    assert.deepEqual(
      many.checks?.map((c) => c.id),
      ['service:a1:1', 'service:a1:2', 'own'],
    )
    assert.equal(consulCheckId('x', 0, 1), 'service:x')
    assert.equal(consulCheckId('x', 2, 3), 'service:x:3')
  })

  it('maps every check type and option', () => {
    const v = ok({
      Name: 'svc',
      Checks: [
        {
          Name: 'web ok',
          HTTP: 'https://127.0.0.1:8443/h',
          Method: 'post',
          Header: { A: ['1'] },
          Body: '{}',
          TLSSkipVerify: true,
          Interval: '5s',
          Timeout: '1s',
          Status: 'passing',
          SuccessBeforePassing: 2,
          FailuresBeforeWarning: 1,
          FailuresBeforeCritical: 3,
        },
        { TCP: '127.0.0.1:9', Interval: 2_000_000_000 },
        { GRPC: '127.0.0.1:50051/svc', GRPCUseTLS: true, Interval: '3s' },
        { Args: ['/bin/true'], Interval: '10s' },
        { TTL: '30s', DeregisterCriticalServiceAfter: '90m' },
      ],
    })
    assert.deepEqual(v.checks, [
      {
        id: 'service:svc:1',
        name: 'web ok',
        type: 'http',
        url: 'https://127.0.0.1:8443/h',
        method: 'POST',
        headers: { A: ['1'] },
        body: '{}',
        tlsSkipVerify: true,
        interval: '5s',
        timeout: '1s',
        initialStatus: 'passing',
        successBeforePassing: 2,
        failuresBeforeWarning: 1,
        failuresBeforeCritical: 3,
      },
      {
        id: 'service:svc:2',
        name: "Service 'svc' check",
        type: 'tcp',
        target: '127.0.0.1:9',
        interval: 2000,
      },
      {
        id: 'service:svc:3',
        name: "Service 'svc' check",
        type: 'grpc',
        target: '127.0.0.1:50051/svc',
        grpcUseTls: true,
        interval: '3s',
      },
      {
        id: 'service:svc:4',
        name: "Service 'svc' check",
        type: 'exec',
        args: ['/bin/true'],
        interval: '10s',
      },
      {
        id: 'service:svc:5',
        name: "Service 'svc' check",
        type: 'ttl',
        ttl: '30s',
        deregisterCriticalAfter: '90m',
      },
    ])
  })

  it('drops Interval and Timeout on TTL checks, as Consul ignores them', () => {
    const v = ok({ Name: 'a', Check: { TTL: '10s', Interval: '5s', Timeout: '1s' } })
    assert.deepEqual(v.checks?.[0], { id: 'service:a', name: "Service 'a' check", type: 'ttl', ttl: '10s' })
  })

  it('converts Consul durations: numbers are nanoseconds, "0" is zero', () => {
    assert.equal(durationFromConsul(1_500_000_000), 1500)
    assert.equal(durationFromConsul('0'), 0)
    assert.equal(durationFromConsul('1m30s'), '1m30s')
  })

  const bad: Array<[string, unknown, RegExp]> = [
    ['no name', { Port: 1 }, /body\/Name is required/],
    ['bad name', { Name: 'a.b' }, /body\/Name must be a service name/],
    ['port out of range', { Name: 'a', Port: 70000 }, /body\/Port must be an integer from 0 to 65535/],
    [
      'unknown field',
      { Name: 'a', Colour: 'red' },
      /body\/Colour is not an allowed field; allowed: ID, Name/,
    ],
    ['connect', { Name: 'a', Connect: { Native: true } }, /body\/Connect: Consul Connect .* not supported/],
    ['kind', { Name: 'a', Kind: 'connect-proxy' }, /body\/Kind must be ""/],
    [
      'udp check',
      { Name: 'a', Check: { UDP: 'h:1', Interval: '1s' } },
      /body\/Check\/UDP: UDP checks are not supported/,
    ],
    [
      'no check type',
      { Name: 'a', Check: { Interval: '1s' } },
      /body\/Check needs one of HTTP, TCP, GRPC, TTL or Args/,
    ],
    [
      'two check types',
      { Name: 'a', Checks: [{ TTL: '1s', HTTP: 'http://x' }] },
      /body\/Checks\/0 has HTTP and TTL/,
    ],
    ['bad status', { Name: 'a', Check: { TTL: '1s', Status: 'ok' } }, /body\/Check\/Status must be one of/],
    ['bad duration', { Name: 'a', Check: { TTL: 'soon' } }, /body\/Check\/TTL/],
    ['duplicate key', { Name: 'a', name: 'b' }, /both "Name" and "name"/],
    [
      'weights zero',
      { Name: 'a', Weights: { Passing: 0 } },
      /body\/Weights\/Passing must be an integer from 1/,
    ],
  ]
  for (const [what, body, message] of bad) {
    it(`refuses ${what} with a message naming the field`, () => {
      assert.match(err(body), message)
    })
  }
})
