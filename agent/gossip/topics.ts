/**
 * Versioned wire names. A breaking change gets a new name (`/2`), never a reinterpretation, so
 * old and new agents can share a fleet during an upgrade (each hears its own version).
 */

/** Catalog deltas: a node's own signed record changes. */
export const CATALOG_TOPIC = 'grapevine/catalog/1'
/** Liveness beats: ephemeral, never stored. */
export const HEARTBEAT_TOPIC = 'grapevine/heartbeat/1'
/** Anti-entropy: digest exchange and pull of missing entries. */
export const SYNC_PROTOCOL = '/grapevine/sync/1.0.0'
