/**
 * A stand-in service for harness tests, run inside a test host's namespace:
 * `node echo-server.ts IP PORT NAME` answers every HTTP request with `{"host": NAME}`.
 */
import { createServer } from 'node:http'

const [ip, port, name] = process.argv.slice(2)
if (ip === undefined || port === undefined || name === undefined) {
  process.stderr.write('usage: echo-server.ts IP PORT NAME\n')
  process.exit(2)
}
const server = createServer((_req, res) => {
  res.setHeader('content-type', 'application/json')
  res.end(JSON.stringify({ host: name }))
})
server.listen(Number(port), ip, () => {
  process.stdout.write(`${JSON.stringify({ msg: 'listening', ip, port: Number(port), host: name })}\n`)
})
