/**
 * Consul decodes request bodies case-insensitively and also accepts snake_case (`Name`, `name`,
 * `enable_tag_override`), and real clients send every variant. Before validation, a body's keys
 * are rewritten to Consul's canonical spelling, one object level at a time, so the schema (and
 * its error messages) speak Consul's names. User data (Meta, Header) is never rewritten.
 */

export type NormalizeResult =
  | { readonly ok: true; readonly value: Record<string, unknown> }
  | { readonly ok: false; readonly error: string }

/** `DeregisterCriticalServiceAfter`, `deregister_critical_service_after` → the same key. */
export function foldKey(key: string): string {
  return key.replace(/[_-]/g, '').toLowerCase()
}

export interface KeySpelling {
  /** Canonical names, as Consul documents them. */
  readonly canonical: readonly string[]
  /** Other accepted names (folded) → canonical name, e.g. `scriptargs` → `Args`. */
  readonly aliases?: Readonly<Record<string, string>>
}

/**
 * Rewrite the keys of `value` (a plain object) to their canonical spelling. Unknown keys are
 * kept as sent, so the schema reports them by name. Two keys that fold to the same canonical
 * name (`Name` and `name`) are an error: Consul would keep one at random.
 */
export function normalizeKeys(value: unknown, spelling: KeySpelling, where: string): NormalizeResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, error: `${where} must be a JSON object` }
  }
  const byFold = new Map<string, string>()
  for (const name of spelling.canonical) byFold.set(foldKey(name), name)
  for (const [alias, name] of Object.entries(spelling.aliases ?? {})) byFold.set(alias, name)
  const out: Record<string, unknown> = {}
  const from: Record<string, string> = {}
  for (const [key, v] of Object.entries(value)) {
    const name = byFold.get(foldKey(key)) ?? key
    const earlier = from[name]
    if (earlier !== undefined) {
      return {
        ok: false,
        error: `${where} has both "${earlier}" and "${key}", which mean the same field ${name}; send one`,
      }
    }
    from[name] = key
    out[name] = v
  }
  return { ok: true, value: out }
}
