import { readFileSync } from 'node:fs'
import { GrapevineError } from '../errors.ts'
import { formatDurationMs, parseDurationMs } from './duration.ts'
import { PRESET_NAMES, PRESETS, type PresetName } from './presets.ts'
import { CONFIG_KEYS, type Config, type ConfigKey, envName, type KeySpec } from './schema.ts'

export type RawValue = string | number | boolean | readonly string[] | undefined
export type RawConfig = Partial<Record<string, unknown>>

export interface LoadSources {
  readonly preset?: string
  /** Path of a JSON config file. */
  readonly file?: string
  readonly env?: Readonly<Record<string, string | undefined>>
  /** Values from command-line flags, keyed by config key. */
  readonly flags?: RawConfig
}

export interface ConfigProblem {
  readonly key: string
  readonly source: string
  readonly message: string
}

const KEYS = Object.keys(CONFIG_KEYS) as ConfigKey[]

function coerce(
  key: ConfigKey,
  spec: KeySpec,
  raw: unknown,
  fromText: boolean,
): { value?: RawValue; problem?: string } {
  switch (spec.type) {
    case 'string': {
      if (typeof raw !== 'string') return { problem: 'must be a string' }
      if (spec.enum !== undefined && !spec.enum.includes(raw))
        return { problem: `must be one of ${spec.enum.join(', ')}` }
      return { value: raw }
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return { value: raw }
      if (fromText && typeof raw === 'string') {
        const t = raw.trim().toLowerCase()
        if (['1', 'true', 'yes', 'on'].includes(t)) return { value: true }
        if (['0', 'false', 'no', 'off'].includes(t)) return { value: false }
      }
      return { problem: 'must be true or false' }
    }
    case 'integer': {
      const n = typeof raw === 'string' && fromText && /^-?[0-9]+$/.test(raw.trim()) ? Number(raw) : raw
      if (typeof n !== 'number' || !Number.isSafeInteger(n)) return { problem: 'must be an integer' }
      if (spec.min !== undefined && n < spec.min) return { problem: `must be at least ${spec.min}` }
      if (spec.max !== undefined && n > spec.max) return { problem: `must be at most ${spec.max}` }
      return { value: n }
    }
    case 'duration': {
      if (typeof raw !== 'string' && typeof raw !== 'number') {
        return { problem: 'must be a duration such as "10s", "500ms", "1m30s", or milliseconds' }
      }
      const ms = parseDurationMs(raw)
      if (ms === undefined)
        return { problem: `"${String(raw)}" is not a duration (use e.g. "10s", "500ms", "1m30s")` }
      if (spec.min !== undefined && ms < spec.min)
        return { problem: `must be at least ${formatDurationMs(spec.min)}` }
      if (spec.max !== undefined && ms > spec.max)
        return { problem: `must be at most ${formatDurationMs(spec.max)}` }
      return { value: ms }
    }
    case 'string[]': {
      const list =
        typeof raw === 'string' && fromText
          ? raw
              .split(',')
              .map((s) => s.trim())
              .filter((s) => s.length > 0)
          : raw
      if (!Array.isArray(list) || !list.every((s) => typeof s === 'string')) {
        return {
          problem: `must be a list of strings${fromText ? ' (comma-separated in the environment)' : ''}`,
        }
      }
      return { value: list as string[] }
    }
  }
  void key
}

function applyLayer(
  target: Map<ConfigKey, RawValue>,
  layer: RawConfig,
  source: string,
  fromText: boolean,
  problems: ConfigProblem[],
): void {
  for (const [key, raw] of Object.entries(layer)) {
    if (raw === undefined) continue
    if (!(key in CONFIG_KEYS)) {
      const near = KEYS.find((k) => k.toLowerCase() === key.toLowerCase())
      problems.push({
        key,
        source,
        message: `unknown key${near !== undefined ? ` (did you mean "${near}"?)` : ''}`,
      })
      continue
    }
    const k = key as ConfigKey
    const { value, problem } = coerce(k, CONFIG_KEYS[k], raw, fromText)
    if (problem !== undefined) problems.push({ key, source, message: problem })
    else target.set(k, value)
  }
}

function readFileLayer(path: string, problems: ConfigProblem[]): RawConfig {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (e) {
    problems.push({ key: '-', source: path, message: `cannot read the config file: ${(e as Error).message}` })
    return {}
  }
  try {
    const parsed: unknown = JSON.parse(text)
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      problems.push({ key: '-', source: path, message: 'the config file must hold one JSON object' })
      return {}
    }
    return parsed as RawConfig
  } catch (e) {
    problems.push({ key: '-', source: path, message: `not valid JSON: ${(e as Error).message}` })
    return {}
  }
}

/**
 * Resolve the configuration from preset, file, environment and flags. Reports every problem at
 * once (each with key, source and what is allowed) in one CONFIG_INVALID error.
 */
export function loadConfig(sources: LoadSources = {}): Config {
  const problems: ConfigProblem[] = []
  const values = new Map<ConfigKey, RawValue>()
  for (const k of KEYS) values.set(k, CONFIG_KEYS[k].default as RawValue)

  const presetName = sources.preset ?? sources.env?.GRAPEVINE_PRESET ?? 'lan'
  if (!PRESET_NAMES.includes(presetName as PresetName)) {
    problems.push({ key: 'preset', source: 'preset', message: `must be one of ${PRESET_NAMES.join(', ')}` })
  } else {
    applyLayer(values, PRESETS[presetName as PresetName], `preset ${presetName}`, false, problems)
  }

  const file = sources.file ?? sources.env?.GRAPEVINE_CONFIG
  if (file !== undefined && file !== '')
    applyLayer(values, readFileLayer(file, problems), file, false, problems)

  if (sources.env !== undefined) {
    const envLayer: RawConfig = {}
    for (const k of KEYS) {
      const v = sources.env[envName(k)]
      if (v !== undefined && v !== '') envLayer[k] = v
    }
    applyLayer(values, envLayer, 'environment', true, problems)
  }
  if (sources.flags !== undefined) applyLayer(values, sources.flags, 'flags', true, problems)

  if (problems.length > 0) {
    const lines = problems.map((p) => `  ${p.key} (${p.source}): ${p.message}`)
    throw new GrapevineError(
      'CONFIG_INVALID',
      `invalid configuration — fix these and start again (docs/configuration.md lists every key):\n${lines.join('\n')}`,
      { problems },
    )
  }
  return Object.fromEntries(values) as Config
}

/** The config with secrets removed, for logs and `GET /v1/agent`. */
export function redactConfig(config: Config): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const k of KEYS) {
    const spec: KeySpec = CONFIG_KEYS[k]
    const v = config[k]
    out[k] = spec.secret === true ? (v === undefined ? undefined : '<redacted>') : v
  }
  return out
}
