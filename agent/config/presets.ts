import type { ConfigKey } from './schema.ts'

/**
 * `lan` is the schema's defaults (production). `local` is for tests and one-machine trials:
 * loopback only, ephemeral ports, no mDNS, and timers fast enough that a failure shows in
 * well under a second.
 */
export const PRESETS = {
  lan: {},
  local: {
    listen: ['/ip4/127.0.0.1/tcp/0'],
    http: '127.0.0.1:0',
    dns: '127.0.0.1:0',
    mdns: false,
    heartbeatInterval: 200,
    maxHeartbeatRate: 50,
    probeInterval: 200,
    suspectAfter: 600,
    suspectAfterLinkLoss: 300,
    unreachableAfter: 1000,
    reapAfter: 5000,
    syncInterval: 1000,
    mdnsInterval: 500,
    dnsTtl: 0,
    dnsNegativeTtl: 0,
  },
} as const satisfies Record<string, Partial<Record<ConfigKey, unknown>>>

export type PresetName = keyof typeof PRESETS
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[]
