import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import Type, { type TSchema } from 'typebox'
import { Compile } from 'typebox/compile'
import { RegistrationInput } from '../../../agent/api/ports.ts'
import {
  describeIssues,
  describeSchema,
  type SchemaIssue,
  schemaAt,
  validatorCompiler,
} from '../../../agent/api/validation.ts'
import { ServiceName } from '../../../crdt/schema.ts'

function message(schema: TSchema, value: unknown, part = 'body'): string {
  const issues = Compile(schema).Errors(value) as unknown as SchemaIssue[]
  return describeIssues(schema, part, issues)
}

describe('validation messages', () => {
  it('describes schemas in words', () => {
    const table: Array<[unknown, string]> = [
      [Type.Integer({ minimum: 0, maximum: 65535 }), 'an integer from 0 to 65535'],
      [Type.Integer({ minimum: 1 }), 'an integer of at least 1'],
      [Type.Number({ maximum: 2 }), 'a number of at most 2'],
      [Type.Boolean(), 'true or false'],
      [Type.String({ maxLength: 64 }), 'a string of at most 64 characters'],
      [Type.String({ minLength: 1, maxLength: 8 }), 'a string of 1 to 8 characters'],
      [Type.String({ pattern: '^x+$' }), 'a string matching ^x+$'],
      [
        ServiceName,
        "a service name: letters, digits, '-' and '_', starting and ending with a letter or digit, at most 63 characters",
      ],
      [Type.Union([Type.Literal('a'), Type.Literal('b')]), 'one of "a", "b"'],
      [Type.Array(Type.String(), { maxItems: 3 }), 'an array of at most 3 items of strings'],
      [Type.Object({}), 'an object'],
      [undefined, 'a valid value'],
    ]
    for (const [schema, words] of table) assert.equal(describeSchema(schema), words)
  })

  it('resolves schema paths', () => {
    assert.equal(schemaAt(RegistrationInput, '#/properties/port'), RegistrationInput.properties.port)
    assert.equal(schemaAt(RegistrationInput, '#/properties/nope/x'), undefined)
  })

  it('names each bad field and what is allowed', () => {
    assert.equal(
      message(RegistrationInput, { service: 'web', port: 70000 }),
      'body/port must be an integer from 0 to 65535',
    )
    assert.equal(
      message(RegistrationInput, { service: 'web', port: 'x' }),
      'body/port must be an integer from 0 to 65535',
    )
    assert.equal(message(RegistrationInput, {}), 'body/service is required; body/port is required')
    assert.match(
      message(RegistrationInput, { service: 'web', port: 1, colour: 'red' }),
      /^body\/colour is not an allowed field; allowed: id, service, address, port/,
    )
    assert.match(
      message(RegistrationInput, { service: 'bad name', port: 1 }),
      /^body\/service must be a service name/,
    )
    assert.equal(
      message(RegistrationInput, { service: 'web', port: 1, checks: [{ type: 'http', interval: '10x' }] }),
      'body/checks/0/interval must be a duration such as 500ms, 10s or 1m30s or an integer of at least 0',
    )
    assert.equal(
      message(RegistrationInput, { service: 'web', port: 1, tags: 'x' }),
      'body/tags must be an array of at most 64 items of strings of 1 to 256 characters',
    )
  })

  it('caps the number of sentences', () => {
    const schema = Type.Object({ a: Type.Integer(), b: Type.Integer(), c: Type.Integer() })
    const issues = Compile(schema).Errors({ a: 'x', b: 'x', c: 'x' }) as unknown as SchemaIssue[]
    assert.equal(describeIssues(schema, 'query', issues, 2).split('; ').length, 2)
  })

  it('an empty query passes as it is where the schema allows none, and fails where a field is required', () => {
    const compile = (schema: TSchema) =>
      validatorCompiler({ schema, httpPart: 'querystring', method: 'GET', url: '/x' }) as (
        input: unknown,
      ) => {
        value?: unknown
        error?: Error
      }
    const optional = compile(
      Type.Object({ n: Type.Optional(Type.Integer()) }, { additionalProperties: false }),
    )
    const empty = Object.create(null)
    assert.equal(optional(empty).value, empty)
    assert.deepEqual(optional({ n: '3' }).value, { n: 3 })
    assert.match(String(optional({ m: '1' }).error?.message), /query\/m is not an allowed field/)
    const required = compile(Type.Object({ n: Type.Integer() }))
    assert.match(String(required(empty).error?.message), /query\/n is required/)
    assert.match(String(required({}).error?.message), /query\/n is required/)
  })
})
