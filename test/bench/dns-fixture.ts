import { createCatalogView, type InstanceView } from '../../crdt/view.ts'

/** The DNS bench's catalog: 1,000 services of one passing instance each, `svc-N` at addressOf(N). */

export const BENCH_NAMES = 1000

export const addressOf = (i: number): string => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${(i & 255) + 1}`

export const benchInstances: readonly InstanceView[] = Array.from({ length: BENCH_NAMES }, (_, i) => ({
  key: `bench/${i}`,
  origin: 'QmBench',
  hlc: { wall: 1, count: 0 },
  health: 'passing',
  nodeState: 'alive',
  instance: {
    kind: 'instance',
    id: `svc-${i}`,
    service: `svc-${i}`,
    node: `node-${i}`,
    address: addressOf(i),
    port: 8080,
    protocol: 'http',
    tags: [],
    meta: {},
    weight: 1,
    version: '',
    health: 'passing',
    checks: [],
  },
}))

export const benchView = createCatalogView({
  index: 1,
  localOrigin: 'QmBench',
  instances: [...benchInstances],
  nodes: [],
})
