import { readFile, writeFile } from 'node:fs/promises'
import { generateKey } from '@libp2p/pnet'
import { GrapevineError } from '../errors.ts'

/**
 * The private-network swarm key (`@libp2p/pnet`, the go-ipfs v1 format): a 95-byte text file
 * `/key/swarm/psk/1.0.0/\n/base16/\n<64 hex>`. Every member of a fleet holds the same file; a node
 * without it (or with another) cannot complete a single connection.
 */

const HEADER = '/key/swarm/psk/1.0.0/\n/base16/\n'
const KEY_HEX = /^[0-9a-fA-F]{64}\s*$/

/** A new random swarm key, as the bytes of the file. */
export function generateSwarmKey(): Uint8Array {
  const bytes = new Uint8Array(95)
  generateKey(bytes)
  return bytes
}

/** Write a new swarm key to `path` (mode 0600). Refuses to overwrite an existing file. */
export async function writeSwarmKey(path: string): Promise<void> {
  try {
    await writeFile(path, generateSwarmKey(), { mode: 0o600, flag: 'wx' })
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new GrapevineError(
        'CONFLICT',
        `${path} already exists; remove it first to make a new swarm key`,
        {
          path,
        },
      )
    }
    throw e
  }
}

/** True when `bytes` is a well-formed swarm key file. */
export function isSwarmKey(bytes: Uint8Array): boolean {
  const text = Buffer.from(bytes).toString('utf8')
  return text.startsWith(HEADER) && KEY_HEX.test(text.slice(HEADER.length))
}

/** Read and check a swarm key file; errors name the file and what to do. */
export async function loadSwarmKey(path: string): Promise<Uint8Array> {
  let bytes: Uint8Array
  try {
    bytes = await readFile(path)
  } catch (e) {
    throw new GrapevineError(
      'SWARM_KEY_INVALID',
      `cannot read the swarm key ${path}: ${(e as Error).message}`,
      {
        path,
      },
    )
  }
  if (!isSwarmKey(bytes)) {
    throw new GrapevineError(
      'SWARM_KEY_INVALID',
      `${path} is not a swarm key (expected "/key/swarm/psk/1.0.0/", "/base16/", 64 hex digits); ` +
        'make one with `grapevine keygen` and copy the same file to every node',
      { path },
    )
  }
  return bytes
}
