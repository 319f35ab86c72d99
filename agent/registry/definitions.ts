import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import Type from 'typebox'
import { Compile } from 'typebox/compile'
import { RegistrationInput } from '../api/ports.ts'

/**
 * Service definition files: every `*.json` in the config directory holds one registration
 * (the body of `POST /v1/instances`) or `{ "services": [ ... ] }`. Loaded at start and on
 * reload (SIGHUP, `PUT /v1/agent/reload`). Every problem is reported with its file and field.
 */
const checkOne = Compile(RegistrationInput)
const checkMany = Compile(
  Type.Object({ services: Type.Array(RegistrationInput) }, { additionalProperties: false }),
)

export interface DefinitionsResult {
  readonly registrations: ReadonlyArray<{ readonly file: string; readonly input: RegistrationInput }>
  readonly errors: readonly string[]
}

function describe(file: string, validator: typeof checkOne | typeof checkMany, value: unknown): string[] {
  return [...validator.Errors(value)]
    .slice(0, 20)
    .map((e) => `${file}: ${e.instancePath === '' ? '(top level)' : e.instancePath.slice(1)} ${e.message}`)
}

export function loadDefinitions(dir: string): DefinitionsResult {
  let names: string[]
  try {
    names = readdirSync(dir)
      .filter((n) => n.endsWith('.json'))
      .sort()
  } catch (e) {
    return {
      registrations: [],
      errors: [`${dir}: cannot read the config directory: ${(e as Error).message}`],
    }
  }
  const registrations: Array<{ file: string; input: RegistrationInput }> = []
  const errors: string[] = []
  for (const name of names) {
    const file = join(dir, name)
    let raw: unknown
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'))
    } catch (e) {
      errors.push(`${file}: not valid JSON (${(e as Error).message})`)
      continue
    }
    if (raw !== null && typeof raw === 'object' && 'services' in raw) {
      if (!checkMany.Check(raw)) errors.push(...describe(file, checkMany, raw))
      else for (const input of raw.services) registrations.push({ file, input })
    } else if (!checkOne.Check(raw)) {
      errors.push(...describe(file, checkOne, raw))
    } else {
      registrations.push({ file, input: raw })
    }
  }
  return { registrations, errors }
}
