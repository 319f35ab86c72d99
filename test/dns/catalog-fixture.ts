/**
 * Catalog data for DNS tests: instances and nodes with sensible defaults, a view built with
 * crdt's `createCatalogView`, a seeded PRNG, and a silent logger.
 */
import pino, { type Logger } from 'pino'
import type { Health, InstanceValue } from '../../crdt/schema.ts'
import {
  type CatalogView,
  createCatalogView,
  type InstanceView,
  type MemberState,
  type NodeView,
} from '../../crdt/view.ts'
import { seededRandom } from '../helpers/prng.ts'

export const LOCAL = 'QmLocalPeer0000000001'
export const REMOTE = 'QmRemotePeer000000002'

export function instance(
  id: string,
  over: Partial<InstanceValue> & { origin?: string; effective?: Health; nodeState?: MemberState } = {},
): InstanceView {
  const { origin, effective, nodeState, ...fields } = over
  const value: InstanceValue = {
    kind: 'instance',
    id,
    service: 'web',
    node: 'alpha',
    address: '10.0.0.1',
    port: 8080,
    protocol: 'http',
    tags: [],
    meta: {},
    weight: 1,
    version: '',
    health: 'passing',
    checks: [],
    ...fields,
  }
  return {
    key: `${origin ?? REMOTE}/${id}`,
    origin: origin ?? REMOTE,
    hlc: { wall: 1, count: 0 },
    instance: value,
    health: effective ?? value.health,
    nodeState: nodeState ?? 'alive',
  }
}

export function node(name: string, addresses: string[], over: Partial<NodeView> = {}): NodeView {
  return {
    origin: `Qm${name}`,
    name,
    addresses,
    multiaddrs: [],
    meta: {},
    maintenance: false,
    agentVersion: '0.1.0',
    state: 'alive',
    hlc: { wall: 1, count: 0 },
    ...over,
  }
}

export function view(instances: InstanceView[], nodes: NodeView[] = [], index = 1): CatalogView {
  return createCatalogView({ index, localOrigin: LOCAL, instances, nodes })
}

export { seededRandom }

export function silentLogger(): Logger {
  return pino({ level: 'silent' })
}

/** `count` instances of `service`, each on its own node `<service>-n<i>` at 10.<x>.<y>.<z>. */
export function fleet(
  service: string,
  count: number,
  base = 1,
): { instances: InstanceView[]; nodes: NodeView[] } {
  const instances: InstanceView[] = []
  const nodes: NodeView[] = []
  for (let i = 0; i < count; i++) {
    const n = base + i
    const address = `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`
    const nodeName = `${service}-n${i}`
    nodes.push(node(nodeName, [address]))
    instances.push(instance(`${service}-${i}`, { service, node: nodeName, address, port: 9000 + (i % 1000) }))
  }
  return { instances, nodes }
}
