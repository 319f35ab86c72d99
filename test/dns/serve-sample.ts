/**
 * A DnsServer in its own process (for the fuzz test, which watches it for crashes and RSS):
 * serves sampleCatalog() on 127.0.0.1 port 0, prints {"port":N,"pid":P} on stdout, and exits
 * when its stdin closes (so it never outlives the test that started it).
 */
import { sampleCatalog, startServer } from './harness.ts'

const { server, port } = await startServer(sampleCatalog(), { recursors: [] })
process.stdout.write(`${JSON.stringify({ port, pid: process.pid })}\n`)
process.stdin.resume()
process.stdin.on('end', () => {
  void server.stop().then(() => process.exit(0))
})
