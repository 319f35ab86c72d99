import Type from 'typebox'
import { Compile } from 'typebox/compile'
import { err, ok, type Result } from '../../crdt/result.ts'

/**
 * What the scheduler can hand to persistence and take back after a restart: per check its
 * shown status and output, hysteresis counters and, for TTL checks, the deadline (clock time)
 * and last report. JSON-safe; `parseHealthSnapshot` validates a file's content (pure).
 */
export const CheckStateSnapshot = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 128 }),
    instanceId: Type.String({ minLength: 1, maxLength: 128 }),
    type: Type.Union([
      Type.Literal('http'),
      Type.Literal('tcp'),
      Type.Literal('grpc'),
      Type.Literal('ttl'),
      Type.Literal('exec'),
    ]),
    status: Type.Union([Type.Literal('passing'), Type.Literal('warning'), Type.Literal('critical')]),
    output: Type.String({ maxLength: 16384 }),
    since: Type.Number(),
    successes: Type.Integer({ minimum: 0 }),
    failures: Type.Integer({ minimum: 0 }),
    ttlDeadline: Type.Optional(Type.Number()),
    ttlLastReport: Type.Optional(Type.Number()),
  },
  { additionalProperties: false },
)
export type CheckStateSnapshot = Type.Static<typeof CheckStateSnapshot>

export const HealthSnapshot = Type.Object(
  {
    v: Type.Literal(1),
    /** Clock time the snapshot was taken. */
    at: Type.Number(),
    checks: Type.Array(CheckStateSnapshot),
  },
  { additionalProperties: false },
)
export type HealthSnapshot = Type.Static<typeof HealthSnapshot>

const compiled = Compile(HealthSnapshot)

export function parseHealthSnapshot(value: unknown): Result<HealthSnapshot, string[]> {
  if (compiled.Check(value)) return ok(value)
  const errors = [...compiled.Errors(value)].slice(0, 20).map((e) => `${e.instancePath || '/'}: ${e.message}`)
  return err(errors.length > 0 ? errors : ['not a health snapshot'])
}
