import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { findTool, requireTool, TOOLS } from './tools.ts'

describe('test tools table', () => {
  it('finds a program on PATH and in the sbin directories', () => {
    assert.ok(findTool('sh'))
    assert.equal(findTool('no-such-program-grapevine'), undefined)
  })
  it('requireTool fails with the package and the command that installs it', () => {
    assert.throws(
      () => requireTool('no-such-program-grapevine'),
      /not installed.*ensure-tools\.ts.*apt-get install/s,
    )
  })
  it('every tool names a Debian package and who needs it', () => {
    for (const t of TOOLS) {
      assert.match(t.debPackage, /^[a-z0-9][a-z0-9.+-]+$/)
      assert.ok(t.usedBy.length > 0)
    }
    assert.ok(TOOLS.some((t) => t.command === 'dig' && t.debPackage === 'bind9-dnsutils'))
  })
})
