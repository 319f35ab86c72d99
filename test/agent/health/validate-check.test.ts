import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  checkProblemsToError,
  SCRIPT_CHECKS_DISABLED_MESSAGE,
  validateCheck,
  validateChecks,
} from '../../../agent/health/validate-check.ts'

const on = { scriptChecksEnabled: true }
const off = { scriptChecksEnabled: false }

function fields(input: unknown, opts = on): string[] {
  const r = validateCheck(input, opts)
  assert.equal(r.ok, false, 'expected problems')
  return r.ok ? [] : r.error.map((p) => p.field).sort()
}

describe('validateCheck: defaults', () => {
  it('http: every option defaulted', () => {
    const r = validateCheck(
      { type: 'http', url: 'http://127.0.0.1:8080/health' },
      { ...on, defaultId: 'web-1:1' },
    )
    assert.deepEqual(r, {
      ok: true,
      value: {
        id: 'web-1:1',
        name: 'web-1:1',
        type: 'http',
        intervalMs: 10_000,
        timeoutMs: 5_000,
        initialStatus: 'critical',
        successBeforePassing: 0,
        failuresBeforeWarning: 0,
        failuresBeforeCritical: 0,
        url: 'http://127.0.0.1:8080/health',
        method: 'GET',
        headers: {},
        tlsSkipVerify: false,
      },
    })
  })
  it('timeout defaults to the interval when the interval is below 5s', () => {
    const r = validateCheck({ type: 'tcp', target: '127.0.0.1:1', interval: '2s' }, on)
    assert.ok(r.ok)
    assert.equal(r.value.timeoutMs, 2_000)
  })
  it('failuresBeforeWarning defaults to failuresBeforeCritical', () => {
    const r = validateCheck({ type: 'tcp', target: 'db:5432', failuresBeforeCritical: 3 }, on)
    assert.ok(r.ok)
    assert.equal(r.value.failuresBeforeWarning, 3)
  })
  it('grpc splits host, port and service', () => {
    const r = validateCheck({ type: 'grpc', target: '[::1]:50051/pkg.Svc', grpcUseTls: true }, on)
    assert.ok(r.ok && r.value.type === 'grpc')
    assert.equal(r.value.host, '::1')
    assert.equal(r.value.port, 50051)
    assert.equal(r.value.service, 'pkg.Svc')
    assert.equal(r.value.useTls, true)
  })
  it('ttl has its ttl in ms and no hysteresis', () => {
    const r = validateCheck({ type: 'ttl', ttl: '30s', id: 'beat', name: 'Heartbeat' }, on)
    assert.ok(r.ok && r.value.type === 'ttl')
    assert.equal(r.value.ttlMs, 30_000)
    assert.equal(r.value.name, 'Heartbeat')
    assert.equal(r.value.successBeforePassing, 0)
  })
  it('headers: a single string becomes a list', () => {
    const r = validateCheck(
      { type: 'http', url: 'https://x/', headers: { 'X-A': 'a', 'X-B': ['b', 'c'] } },
      on,
    )
    assert.ok(r.ok && r.value.type === 'http')
    assert.deepEqual(r.value.headers, { 'X-A': ['a'], 'X-B': ['b', 'c'] })
  })
  it('exec copies argv', () => {
    const r = validateCheck({ type: 'exec', args: ['/bin/true'], interval: '1m', timeout: 30000 }, on)
    assert.ok(r.ok && r.value.type === 'exec')
    assert.deepEqual(r.value.args, ['/bin/true'])
    assert.equal(r.value.intervalMs, 60_000)
    assert.equal(r.value.timeoutMs, 30_000)
  })
})

describe('validateCheck: problems', () => {
  const table: Array<[string, unknown, string[]]> = [
    ['not an object', 'http', ['']],
    ['no type', {}, ['type']],
    ['unknown type', { type: 'icmp' }, ['type']],
    ['http without url', { type: 'http' }, ['url']],
    ['http with ftp url', { type: 'http', url: 'ftp://x/' }, ['url']],
    ['http with relative url', { type: 'http', url: '/health' }, ['url']],
    ['tcp without target', { type: 'tcp' }, ['target']],
    ['tcp without port', { type: 'tcp', target: 'localhost' }, ['target']],
    ['tcp port out of range', { type: 'tcp', target: 'h:70000' }, ['target']],
    ['grpc bad target', { type: 'grpc', target: ':1' }, ['target']],
    ['ttl without ttl', { type: 'ttl' }, ['ttl']],
    ['exec without args', { type: 'exec' }, ['args']],
    ['exec with empty command', { type: 'exec', args: [''] }, ['args']],
    ['bad interval', { type: 'tcp', target: 'h:1', interval: 'soon' }, ['interval']],
    ['interval too short', { type: 'tcp', target: 'h:1', interval: '10ms' }, ['interval']],
    ['timeout above interval', { type: 'tcp', target: 'h:1', interval: '1s', timeout: '2s' }, ['timeout']],
    ['unknown field', { type: 'tcp', target: 'h:1', tcp: 'h:1' }, ['tcp']],
    ['field of another type', { type: 'tcp', target: 'h:1', url: 'http://x/' }, ['url']],
    ['interval on a ttl check', { type: 'ttl', ttl: '10s', interval: '10s' }, ['interval']],
    ['bad initialStatus', { type: 'ttl', ttl: '1s', initialStatus: 'maintenance' }, ['initialStatus']],
    ['bad counter', { type: 'tcp', target: 'h:1', successBeforePassing: -1 }, ['successBeforePassing']],
    [
      'warning above critical',
      { type: 'tcp', target: 'h:1', failuresBeforeWarning: 5, failuresBeforeCritical: 2 },
      ['failuresBeforeWarning'],
    ],
    ['bad id', { type: 'ttl', ttl: '1s', id: 'a b' }, ['id']],
    ['bad header', { type: 'http', url: 'http://x/', headers: { 'a b': 'x' } }, ['headers']],
    ['header injection', { type: 'http', url: 'http://x/', headers: { a: 'x\r\nb: y' } }, ['headers']],
    ['bad method', { type: 'http', url: 'http://x/', method: 'get' }, ['method']],
    ['bad tlsSkipVerify', { type: 'http', url: 'http://x/', tlsSkipVerify: 'yes' }, ['tlsSkipVerify']],
    [
      'bad deregisterCriticalAfter',
      { type: 'ttl', ttl: '1s', deregisterCriticalAfter: 'never' },
      ['deregisterCriticalAfter'],
    ],
  ]
  for (const [name, input, want] of table) {
    it(name, () => assert.deepEqual(fields(input), want))
  }

  it('reports every problem at once', () => {
    const got = fields({
      type: 'http',
      interval: 'x',
      timeout: -1,
      method: 'get',
      extra: 1,
      initialStatus: 'up',
    })
    assert.deepEqual(got, ['extra', 'initialStatus', 'interval', 'method', 'timeout', 'url'])
  })

  it('messages say what is allowed', () => {
    const r = validateCheck({ type: 'icmp' }, on)
    assert.ok(!r.ok)
    assert.match(r.error[0]?.message ?? '', /http, tcp, grpc, ttl, exec/)
  })
})

describe('validateCheck: script checks', () => {
  it('refuses exec unless enabled, naming the config key and flag', () => {
    const r = validateCheck({ type: 'exec', args: ['/bin/true'] }, off)
    assert.ok(!r.ok)
    assert.deepEqual(r.error, [
      { field: 'type', message: SCRIPT_CHECKS_DISABLED_MESSAGE, code: 'SCRIPT_CHECKS_DISABLED' },
    ])
    assert.match(SCRIPT_CHECKS_DISABLED_MESSAGE, /enableScriptChecks/)
    assert.match(SCRIPT_CHECKS_DISABLED_MESSAGE, /--enable-script-checks/)
  })
  it('still reports the other problems of a refused exec check', () => {
    const r = validateCheck({ type: 'exec', interval: 'x' }, off)
    assert.ok(!r.ok)
    assert.deepEqual(r.error.map((p) => p.field).sort(), ['args', 'interval', 'type'])
  })
  it('the runtime error has code SCRIPT_CHECKS_DISABLED (403) and lists every problem', () => {
    const r = validateCheck({ type: 'exec', interval: 'x' }, off)
    assert.ok(!r.ok)
    const e = checkProblemsToError(r.error)
    assert.equal(e.code, 'SCRIPT_CHECKS_DISABLED')
    assert.equal(e.statusCode, 403)
    assert.match(e.message, /--enable-script-checks/)
    assert.equal((e.details?.errors as unknown[] | undefined)?.length, 3)
  })
  it('other problems give VALIDATION', () => {
    const r = validateCheck({ type: 'http' }, off)
    assert.ok(!r.ok)
    assert.equal(checkProblemsToError(r.error).code, 'VALIDATION')
  })
})

describe('validateChecks', () => {
  it('numbers default ids from 1 and prefixes fields', () => {
    const r = validateChecks(
      [
        { type: 'ttl', ttl: '5s' },
        { type: 'tcp', target: 'h:1' },
      ],
      { instanceId: 'web-1', ...on },
    )
    assert.ok(r.ok)
    assert.deepEqual(
      r.value.map((s) => s.id),
      ['web-1:1', 'web-1:2'],
    )
    const bad = validateChecks([{ type: 'ttl', ttl: '5s' }, { type: 'tcp' }], { instanceId: 'web-1', ...on })
    assert.ok(!bad.ok)
    assert.deepEqual(
      bad.error.map((p) => p.field),
      ['checks[1].target'],
    )
  })
  it('refuses duplicate ids', () => {
    const r = validateChecks(
      [
        { id: 'a', type: 'ttl', ttl: '5s' },
        { id: 'a', type: 'ttl', ttl: '6s' },
      ],
      { instanceId: 'x', ...on },
    )
    assert.ok(!r.ok)
    assert.equal(r.error[0]?.field, 'checks[1].id')
  })
})
