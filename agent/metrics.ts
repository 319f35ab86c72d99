import { collectDefaultMetrics, Gauge, Registry } from 'prom-client'
import type { CatalogView } from '../crdt/view.ts'

/**
 * One prom-client registry per agent (no global default registry, so several agents in one
 * test process do not collide). Components register their own metrics on it; the catalog
 * gauges here are computed from the view at scrape time, so they cost nothing between scrapes.
 */
export function createMetrics(view: () => CatalogView): Registry {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'grapevine_process_' })
  new Gauge({
    name: 'grapevine_catalog_instances',
    help: 'Service instances in the merged catalog, by effective health.',
    labelNames: ['health'],
    registers: [registry],
    collect() {
      const counts = { passing: 0, warning: 0, critical: 0, maintenance: 0 }
      for (const i of view().instances()) counts[i.health]++
      for (const [health, n] of Object.entries(counts)) this.set({ health }, n)
    },
  })
  new Gauge({
    name: 'grapevine_catalog_nodes',
    help: 'Nodes in the merged catalog, by membership state as this agent sees them.',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const counts = { alive: 0, suspect: 0, unreachable: 0, left: 0 }
      for (const n of view().nodes()) counts[n.state]++
      for (const [state, n] of Object.entries(counts)) this.set({ state }, n)
    },
  })
  new Gauge({
    name: 'grapevine_catalog_index',
    help: 'The change index of the catalog view (X-Grapevine-Index / X-Consul-Index).',
    registers: [registry],
    collect() {
      this.set(view().index)
    },
  })
  return registry
}
