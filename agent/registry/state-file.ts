import { mkdirSync, readFileSync, renameSync } from 'node:fs'
import { dirname } from 'node:path'
import Type from 'typebox'
import { Compile } from 'typebox/compile'
import writeFileAtomic from 'write-file-atomic'
import { RegistrationInput } from '../api/ports.ts'
import { GrapevineError } from '../errors.ts'

/**
 * The local state of one agent in `<dataDir>/local-state.json`: registrations, maintenance
 * flags, last check statuses (incl. TTL deadlines), the last API index and HLC. Written
 * atomically (write-file-atomic: temp file, fsync, rename), so a crash at any instant leaves the
 * old file or the new one, never a torn one. A file that does not parse is reported with its
 * path and the way out; it is never silently replaced.
 */
export const StoredRegistration = Type.Object(
  {
    id: Type.String(),
    input: RegistrationInput,
    source: Type.Union([Type.Literal('api'), Type.Literal('file')]),
    maintenance: Type.Boolean(),
    maintenanceReason: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
)
export type StoredRegistration = Type.Static<typeof StoredRegistration>

export const LocalState = Type.Object(
  {
    v: Type.Literal(1),
    registrations: Type.Array(StoredRegistration),
    nodeMaintenance: Type.Object({ enabled: Type.Boolean(), reason: Type.Optional(Type.String()) }),
    /** Health engine snapshot (opaque here; the health engine validates it on restore). */
    checks: Type.Optional(Type.Unknown()),
    index: Type.Integer({ minimum: 0 }),
    hlc: Type.Tuple([Type.Integer({ minimum: 0 }), Type.Integer({ minimum: 0 })]),
  },
  { additionalProperties: false },
)
export type LocalState = Type.Static<typeof LocalState>

const checkState = Compile(LocalState)

export function emptyState(): LocalState {
  return { v: 1, registrations: [], nodeMaintenance: { enabled: false }, index: 0, hlc: [0, 0] }
}

export const RESET_HINT =
  'start the agent with --reset-local-state to move it aside and start empty (the fleet keeps its copy of your records until they are re-registered)'

export class StateFile {
  readonly path: string
  private queue: Promise<void> = Promise.resolve()

  constructor(path: string) {
    this.path = path
  }

  /** Read the state; a missing file is a first start. Throws STATE_CORRUPT / STATE_UNREADABLE. */
  load(): LocalState {
    let text: string
    try {
      text = readFileSync(this.path, 'utf8')
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return emptyState()
      throw new GrapevineError(
        'STATE_UNREADABLE',
        `cannot read local state ${this.path}: ${(e as Error).message}; fix its permissions, or ${RESET_HINT}`,
        { path: this.path },
      )
    }
    let raw: unknown
    try {
      raw = JSON.parse(text)
    } catch (e) {
      throw new GrapevineError(
        'STATE_CORRUPT',
        `local state ${this.path} is not valid JSON (${(e as Error).message}); ${RESET_HINT}`,
        {
          path: this.path,
        },
      )
    }
    if (!checkState.Check(raw)) {
      const first = [...checkState.Errors(raw)][0]
      const where = first === undefined ? '' : ` at ${first.instancePath || '/'}: ${first.message}`
      throw new GrapevineError(
        'STATE_CORRUPT',
        `local state ${this.path} does not match its schema${where}; ${RESET_HINT}`,
        {
          path: this.path,
        },
      )
    }
    return raw
  }

  /** Write atomically; calls are serialised so the last write wins on disk too. */
  save(state: LocalState): Promise<void> {
    const text = `${JSON.stringify(state)}\n`
    const next = this.queue.then(async () => {
      mkdirSync(dirname(this.path), { recursive: true })
      await writeFileAtomic(this.path, text, { mode: 0o600, fsync: true })
    })
    this.queue = next.catch(() => undefined)
    return next
  }

  /** Move a broken state file aside (`--reset-local-state`); returns where it went, if it existed. */
  static moveAside(path: string, now: number): string | undefined {
    const target = `${path}.broken-${now}`
    try {
      renameSync(path, target)
      return target
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw e
    }
  }
}
