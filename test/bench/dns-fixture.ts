import { createCatalogView, type InstanceView } from '../../crdt/view.ts'
import { instance } from '../dns/catalog-fixture.ts'

/** The DNS bench's catalog: 1,000 services of one passing instance each, `svc-N` at addressOf(N). */

const BENCH_NAMES = 1000

export const addressOf = (i: number): string => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${(i & 255) + 1}`

export const benchInstances: readonly InstanceView[] = Array.from({ length: BENCH_NAMES }, (_, i) =>
  instance(`svc-${i}`, { origin: 'QmBench', service: `svc-${i}`, node: `node-${i}`, address: addressOf(i) }),
)

export const benchView = createCatalogView({
  index: 1,
  localOrigin: 'QmBench',
  instances: benchInstances,
  nodes: [],
})
