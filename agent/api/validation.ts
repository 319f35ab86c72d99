import type { FastifySchemaCompiler } from 'fastify'
import type { TSchema } from 'typebox'
import { Compile } from 'typebox/compile'
import { Value } from 'typebox/value'
import {
  INSTANCE_ID_PATTERN,
  META_KEY_PATTERN,
  NODE_NAME_PATTERN,
  PEER_ID_PATTERN,
  SERVICE_NAME_PATTERN,
} from '../../crdt/schema.ts'
import { GrapevineError } from '../errors.ts'
import { WAIT_PATTERN } from './blocking.ts'

/**
 * Request validation for the HTTP API: TypeBox compiles each route schema; a failure becomes a
 * `GrapevineError('VALIDATION')` whose message names every bad field (`body/port`) and says what
 * is allowed there, in words rather than JSON Schema keywords.
 */

type Json = Record<string, unknown>

export interface SchemaIssue {
  readonly keyword: string
  readonly schemaPath: string
  readonly instancePath: string
  readonly params: Record<string, unknown>
}

/** Known patterns, described for people. */
const PATTERN_WORDS: Record<string, string> = {
  [SERVICE_NAME_PATTERN]:
    "a service name: letters, digits, '-' and '_', starting and ending with a letter or digit, at most 63 characters",
  [NODE_NAME_PATTERN]:
    "a node name: letters, digits and '-', starting and ending with a letter or digit, at most 63 characters",
  [INSTANCE_ID_PATTERN]: "an id of 1 to 128 characters without whitespace or '/'",
  [PEER_ID_PATTERN]: 'a libp2p peer id (base58btc)',
  [META_KEY_PATTERN]: "a meta key of 1 to 128 letters, digits, '_', '.' or '-'",
  '^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$': 'a duration such as 500ms, 10s or 1m30s',
  [WAIT_PATTERN]: 'a duration such as 250ms, 30s or 5m (bare numbers are milliseconds)',
}

const PART_NAMES: Record<string, string> = {
  body: 'body',
  querystring: 'query',
  params: 'params',
  headers: 'headers',
}

function range(s: Json, noun: string, unit = ''): string {
  const min =
    s['minimum'] ?? (s['exclusiveMinimum'] !== undefined ? `more than ${s['exclusiveMinimum']}` : undefined)
  const max = s['maximum']
  if (typeof min === 'number' && typeof max === 'number') return `${noun} from ${min} to ${max}${unit}`
  if (typeof min === 'number') return `${noun} of at least ${min}${unit}`
  if (typeof max === 'number') return `${noun} of at most ${max}${unit}`
  return noun
}

/** What a schema allows, in words ("an integer from 0 to 65535"). */
export function describeSchema(schema: unknown): string {
  if (typeof schema !== 'object' || schema === null) return 'a valid value'
  const s = schema as Json
  if (Array.isArray(s['anyOf'])) {
    const options = s['anyOf'] as Json[]
    if (options.every((o) => 'const' in o))
      return `one of ${options.map((o) => JSON.stringify(o['const'])).join(', ')}`
    return options.map(describeSchema).join(' or ')
  }
  if ('const' in s) return JSON.stringify(s['const'])
  switch (s['type']) {
    case 'integer':
      return range(s, 'an integer')
    case 'number':
      return range(s, 'a number')
    case 'boolean':
      return 'true or false'
    case 'null':
      return 'null'
    case 'string': {
      const pattern = s['pattern']
      if (typeof pattern === 'string') return PATTERN_WORDS[pattern] ?? `a string matching ${pattern}`
      const min = s['minLength']
      const max = s['maxLength']
      if (typeof min === 'number' && typeof max === 'number') return `a string of ${min} to ${max} characters`
      if (typeof max === 'number') return `a string of at most ${max} characters`
      if (typeof min === 'number' && min > 0) return `a non-empty string`
      return 'a string'
    }
    case 'array': {
      const max = s['maxItems']
      const items = s['items'] === undefined ? '' : ` of ${plural(describeSchema(s['items']))}`
      return typeof max === 'number' ? `an array of at most ${max} items${items}` : `an array${items}`
    }
    case 'object': {
      const max = s['maxProperties']
      return typeof max === 'number' ? `an object of at most ${max} keys` : 'an object'
    }
    default:
      return 'a valid value'
  }
}

function plural(words: string): string {
  return words.replace(/^an? /, '').replace(/^(integer|number|string|array|object)/, '$1s')
}

/** Resolve `#/properties/x/items` against the root schema. */
export function schemaAt(root: unknown, schemaPath: string): unknown {
  let node: unknown = root
  for (const raw of schemaPath.replace(/^#\/?/, '').split('/')) {
    if (raw === '') continue
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    if (typeof node !== 'object' || node === null) return undefined
    node = (node as Json)[key]
  }
  return node
}

function field(part: string, instancePath: string, child?: string): string {
  return `${part}${instancePath}${child === undefined ? '' : `/${child}`}`
}

/** One sentence per bad field, most useful first, at most `max`. */
export function describeIssues(root: unknown, part: string, issues: readonly SchemaIssue[], max = 5): string {
  const out: string[] = []
  const seen = new Set<string>()
  const push = (key: string, text: string) => {
    if (seen.has(key) || out.length >= max) return
    seen.add(key)
    out.push(text)
  }
  for (const e of issues) {
    if (e.keyword !== 'additionalProperties') continue
    const extra = ((e.params['additionalProperties'] as string[] | undefined) ?? []).filter(
      (name) => !seen.has(`${e.instancePath}/${name}`),
    )
    if (extra.length === 0) continue
    const at = schemaAt(root, e.schemaPath) as Json | undefined
    const patterns = at?.['patternProperties'] as Json | undefined
    if (patterns !== undefined && at?.['properties'] === undefined) {
      // A map with free-form keys (meta): say which keys are wrong and what a key may be.
      for (const name of extra) seen.add(`${e.instancePath}/${name}`)
      if (out.length < max) {
        out.push(
          `${field(part, e.instancePath)} has keys that are not allowed (${extra.map((k) => JSON.stringify(k)).join(', ')}); a key must match ${Object.keys(patterns).join(' or ')}`,
        )
      }
      continue
    }
    const props = at?.['properties'] as Json | undefined
    const names = props === undefined ? [] : Object.keys(props)
    const allowed = names.length === 0 ? `; ${part} takes no fields here` : `; allowed: ${names.join(', ')}`
    const bad = extra.map((name) => field(part, e.instancePath, name))
    for (const name of extra) seen.add(`${e.instancePath}/${name}`)
    if (out.length < max) {
      out.push(
        bad.length === 1
          ? `${bad[0]} is not an allowed field${allowed}`
          : `${bad.join(', ')} are not allowed fields${allowed}`,
      )
    }
  }
  for (const e of issues) {
    if (e.keyword !== 'required') continue
    for (const name of (e.params['requiredProperties'] as string[] | undefined) ?? []) {
      push(`${e.instancePath}/${name}`, `${field(part, e.instancePath, name)} is required`)
    }
  }
  for (const e of issues) {
    if (e.keyword === 'boolean' || e.keyword === 'required' || e.keyword === 'additionalProperties') continue
    // Report a union once, at its own level, rather than each option that failed.
    const union = issues.find((u) => u.keyword === 'anyOf' && u.instancePath === e.instancePath)
    const at = union ?? e
    const key = at.instancePath
    if (
      seen.has(key) ||
      issues.some((u) => u.instancePath.startsWith(`${key}/`) && seen.has(u.instancePath))
    ) {
      continue
    }
    const target = e.keyword === 'maxProperties' ? 'have' : 'be'
    push(key, `${field(part, key)} must ${target} ${describeSchema(schemaAt(root, at.schemaPath))}`)
  }
  if (out.length === 0) out.push(`${part} is not valid`)
  return out.join('; ')
}

function isEmptyObject(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false
  for (const _ in value) return false
  return true
}

/**
 * Fastify validator compiler: query, params and headers are converted from strings first
 * (`?limit=3` is the number 3, a single `?tag=x` is the array `["x"]`); bodies are checked as sent.
 */
export const validatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = Compile(schema)
  const part = PART_NAMES[httpPart ?? 'body'] ?? 'body'
  // Most reads have no query string: whether `{}` is a valid query is known once, here.
  const emptyQueryValid = part === 'query' && check.Check({})
  return (input: unknown) => {
    if (emptyQueryValid && isEmptyObject(input)) return { value: input }
    let value = input
    // No body at all is checked as `{}`, so a route that needs fields names each one.
    if (part === 'body' && (value === null || value === undefined)) value = {}
    // Most requests are valid as they come (no query, string params): convert only on a miss.
    if (check.Check(value)) return { value }
    const converted = part === 'body' ? value : Value.Convert(schema, value)
    if (check.Check(converted)) return { value: converted }
    const issues = check.Errors(converted) as unknown as SchemaIssue[]
    return { error: new GrapevineError('VALIDATION', describeIssues(schema, part, issues)) }
  }
}
