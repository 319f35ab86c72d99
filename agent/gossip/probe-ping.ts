import type { AbortOptions, Connection } from '@libp2p/interface'

/**
 * A membership probe over a connection we already hold: yamux's own ping (a 12-byte frame each
 * way, answered by the remote process's muxer) instead of the libp2p ping protocol, which opens a
 * new stream for every ping (SYN and ACK, multistream-select both ways, 32 bytes and their echo,
 * FIN both ways). At one probe a second per agent those streams were a quarter of an idle
 * agent's CPU in a 20-agent fleet on one host. The answer proves the same thing for liveness: the
 * member's process is running and the link between us carries frames both ways.
 *
 * libp2p 3's Connection does not declare its muxer; its implementation keeps it in `muxer`. When
 * that (or the muxer's `ping`) is absent, `undefined` tells the caller to use the ping protocol,
 * and test/agent/gossip/probe-ping.test.ts goes red.
 */

interface PingingMuxer {
  ping(options?: AbortOptions): Promise<number>
}

/** The connection's muxer ping, if it has one: resolves with the round trip in ms. */
export function muxerPing(conn: Connection): ((options?: AbortOptions) => Promise<number>) | undefined {
  if (conn.status !== 'open') return undefined
  const muxer = (conn as unknown as { muxer?: Partial<PingingMuxer> }).muxer
  if (muxer === undefined || typeof muxer.ping !== 'function') return undefined
  return muxer.ping.bind(muxer)
}
