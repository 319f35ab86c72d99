/**
 * The external programs tests and benchmarks run, and the Debian package that provides each.
 * `ensure-tools.ts` installs the missing ones; tests call `requireTool` so a missing program
 * fails loudly with the command that fixes it, never skips in silence. Extend the table when a
 * test needs a new program.
 */
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'

export interface ToolSpec {
  /** The executable looked up on PATH (and in /usr/sbin, /sbin). */
  readonly command: string
  /** Debian package that provides it. */
  readonly debPackage: string
  /** Who needs it, for the messages. */
  readonly usedBy: string
}

export const TOOLS: readonly ToolSpec[] = [
  { command: 'dig', debPackage: 'bind9-dnsutils', usedBy: 'test/integration/dns-*.test.ts' },
  { command: 'ip', debPackage: 'iproute2', usedBy: 'network-namespace fleet tests' },
  { command: 'dnsperf', debPackage: 'dnsperf', usedBy: 'npm run bench -- dns' },
  // dnsmasq-base ships the binary without the system service (which would bind port 53).
  { command: 'dnsmasq', debPackage: 'dnsmasq-base', usedBy: 'npm run bench -- dns' },
  { command: 'serf', debPackage: 'serf', usedBy: 'comparison benchmarks' },
  {
    command: 'openssl',
    debPackage: 'openssl',
    usedBy: 'test/integration/health-*.test.ts (self-signed TLS targets)',
  },
]

const EXTRA_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin']

/** The absolute path of `command`, or undefined when it is not installed. */
export function findTool(command: string, pathEnv = process.env['PATH'] ?? ''): string | undefined {
  const dirs = [...pathEnv.split(delimiter).filter((d) => d !== ''), ...EXTRA_DIRS]
  for (const dir of dirs) {
    const candidate = join(dir, command)
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // not here; keep looking
    }
  }
  return undefined
}

/** The path of `command`; throws with the fix when it is missing (tests must not skip silently). */
export function requireTool(command: string): string {
  const found = findTool(command)
  if (found !== undefined) return found
  const spec = TOOLS.find((t) => t.command === command)
  const pkg = spec?.debPackage ?? command
  throw new Error(
    `required program '${command}' is not installed (Debian package ${pkg}). ` +
      `Run 'npx node test/setup/ensure-tools.ts' as root (npm test runs it as pretest), ` +
      `or 'apt-get install -y --no-install-recommends ${pkg}'.`,
  )
}
