import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { loadDefinitions } from '../../../agent/registry/definitions.ts'
import { AgentHarness, http } from '../../helpers/agent-harness.ts'

describe('service definition files', () => {
  it('loads one registration per file or a services list, and reports every problem by file and field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gv-defs-'))
    writeFileSync(join(dir, 'a.json'), JSON.stringify({ service: 'web', port: 80 }))
    writeFileSync(
      join(dir, 'b.json'),
      JSON.stringify({
        services: [
          { service: 'db', port: 5432 },
          { service: 'cache', port: 6379 },
        ],
      }),
    )
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ service: 'bad name!', port: 'eighty' }))
    writeFileSync(join(dir, 'd.json'), '{ not json')
    writeFileSync(join(dir, 'ignored.txt'), 'not a definition')
    const r = loadDefinitions(dir)
    assert.deepEqual(
      r.registrations.map((x) => x.input.service),
      ['web', 'db', 'cache'],
    )
    assert.ok(
      r.errors.some((e) => e.startsWith(join(dir, 'c.json')) && e.includes('service')),
      r.errors.join('\n'),
    )
    assert.ok(
      r.errors.some((e) => e.startsWith(join(dir, 'c.json')) && e.includes('port')),
      r.errors.join('\n'),
    )
    assert.ok(
      r.errors.some((e) => e.startsWith(join(dir, 'd.json')) && e.includes('not valid JSON')),
      r.errors.join('\n'),
    )
  })

  it('a missing directory is one clear error', () => {
    const r = loadDefinitions('/nonexistent/grapevine-defs')
    assert.equal(r.errors.length, 1)
    assert.match(r.errors[0] as string, /cannot read the config directory/)
  })

  describe('in a running agent', () => {
    const h = new AgentHarness()
    after(() => h.stopAll())

    it('registers at start, and reload adds new files and drops removed ones', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'gv-defs-'))
      writeFileSync(join(dir, 'web.json'), JSON.stringify({ id: 'web-1', service: 'web', port: 80 }))
      const agent = await h.start('defs', { configDir: dir })
      assert.deepEqual(
        agent.registry.list().map((l) => [l.id, l.source]),
        [['web-1', 'file']],
      )
      writeFileSync(join(dir, 'web.json'), JSON.stringify({ id: 'web-2', service: 'web', port: 81 }))
      const r = await http<{ loaded: number; errors: string[] }>(agent, 'PUT', '/v1/agent/reload')
      assert.equal(r.status, 200)
      assert.deepEqual(r.body, { loaded: 1, errors: [] })
      assert.deepEqual(
        agent.registry.list().map((l) => l.id),
        ['web-2'],
      )
    })

    it('refuses to start with an invalid definition, naming the file', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'gv-defs-'))
      writeFileSync(join(dir, 'broken.json'), JSON.stringify({ service: 'x' }))
      await assert.rejects(
        h.start('defs-bad', { configDir: dir }),
        (e: unknown) => e instanceof Error && e.message.includes('broken.json'),
      )
    })
  })
})
