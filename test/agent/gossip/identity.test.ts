import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { isGrapevineError } from '../../../agent/errors.ts'
import { createVerifier, loadOrCreateIdentity, signerFor } from '../../../agent/gossip/identity.ts'
import { generateSwarmKey, isSwarmKey, loadSwarmKey, writeSwarmKey } from '../../../agent/gossip/swarm-key.ts'

const dir = await mkdtemp(join(tmpdir(), 'grapevine-identity-'))
after(() => rm(dir, { recursive: true, force: true }))

describe('identity', () => {
  it('creates an Ed25519 key (mode 0600) on first start and loads the same peer id after', async () => {
    const path = join(dir, 'data', 'peer.key')
    const first = await loadOrCreateIdentity(path)
    assert.equal(first.created, true)
    assert.match(first.origin, /^12D3KooW/)
    assert.equal((await stat(path)).mode & 0o777, 0o600)
    const second = await loadOrCreateIdentity(path)
    assert.equal(second.created, false)
    assert.equal(second.origin, first.origin)
  })

  it('a corrupt key file is an error naming the path and the way out, never replaced', async () => {
    const path = join(dir, 'corrupt.key')
    await writeFile(path, 'not a key')
    await assert.rejects(loadOrCreateIdentity(path), (e: unknown) => {
      assert.ok(isGrapevineError(e))
      assert.equal(e.code, 'STATE_CORRUPT')
      assert.match(e.message, /corrupt\.key/)
      assert.match(e.message, /backup|delete/)
      return true
    })
    assert.equal(await readFile(path, 'utf8'), 'not a key')
  })

  it('signs synchronously; the verifier checks against the origin and remembers successes', async () => {
    const a = await loadOrCreateIdentity(join(dir, 'a.key'))
    const b = await loadOrCreateIdentity(join(dir, 'b.key'))
    const verify = createVerifier()
    const bytes = new TextEncoder().encode('hello')
    const sig = signerFor(a.privateKey)(bytes)
    assert.equal(verify(a.origin, bytes, sig), true)
    assert.equal(verify(a.origin, bytes, sig), true, 'cached')
    assert.equal(verify(b.origin, bytes, sig), false, 'not b')
    assert.equal(verify(a.origin, new TextEncoder().encode('hellO'), sig), false, 'other bytes')
    assert.equal(verify('not-a-peer-id', bytes, sig), false)
  })
})

describe('swarm key', () => {
  it('generates the pnet v1 format and refuses to overwrite', async () => {
    const key = generateSwarmKey()
    assert.equal(isSwarmKey(key), true)
    assert.match(Buffer.from(key).toString(), /^\/key\/swarm\/psk\/1\.0\.0\/\n\/base16\/\n[0-9a-f]{64}/)
    const path = join(dir, 'swarm.key')
    await writeSwarmKey(path)
    assert.equal((await stat(path)).mode & 0o777, 0o600)
    assert.equal(isSwarmKey(await loadSwarmKey(path)), true)
    await assert.rejects(writeSwarmKey(path), /already exists/)
  })

  it('a malformed or missing key file is SWARM_KEY_INVALID naming the file', async () => {
    const bad = join(dir, 'bad.key')
    await writeFile(bad, 'hello')
    await assert.rejects(
      loadSwarmKey(bad),
      (e: unknown) => isGrapevineError(e) && e.code === 'SWARM_KEY_INVALID' && e.message.includes('bad.key'),
    )
    await assert.rejects(
      loadSwarmKey(join(dir, 'missing.key')),
      (e: unknown) => isGrapevineError(e) && e.code === 'SWARM_KEY_INVALID',
    )
  })
})
