/** The DNS resolver's public surface: the server the agent constructs, its options and errors. */
export { CHAIN_ORDER } from './chain.ts'
export { DnsError, type DnsErrorCode } from './errors.ts'
export type { DnsOptions, DnsServerInit, ListenAddress, RateLimitInit } from './options.ts'
export { resolveDnsOptions } from './options.ts'
export { type DnsAddresses, DnsServer, type DnsServerComponents } from './server.ts'
