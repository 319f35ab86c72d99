import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import type { CatalogView } from '../../../crdt/view.ts'
import { GrapevineError } from '../../errors.ts'
import { answerable, healthEntry, instanceNode, nodeFacts } from './catalog-shapes.ts'
import { type ConsulCheck, instanceChecks, nodeChecks } from './check-shapes.ts'
import { type ConsulContext, ConsulQueryFields, refuseFilter, sendCached } from './consul-context.ts'
import { ConsulCheckAnswer, HealthEntryAnswer } from './consul-schemas.ts'
import {
  FilterQueryFields,
  hasTags,
  isPassingAsked,
  matchesNodeMeta,
  nodeMatches,
  parseNodeMeta,
} from './filters.ts'

/**
 * `/v1/health/...`: instances with their node and service checks (what Consul clients use for
 * discovery), checks of a service, of a node, and every check in a state. Node liveness shows as
 * the `serfHealth` node check, so `?passing` drops instances on unreachable nodes, as in Consul.
 */
const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 256 }) })
const NodeParams = Type.Object({ node: Type.String({ minLength: 1, maxLength: 256 }) })
const StateParams = Type.Object({ state: Type.String({ minLength: 1, maxLength: 16 }) })
const ListQuery = Type.Object({ ...ConsulQueryFields, ...FilterQueryFields })

const Checks = Type.Array(ConsulCheckAnswer)

const STATES = ['any', 'passing', 'warning', 'critical'] as const

/** Every check of the catalog: node checks of nodes still in it, and every instance's checks. */
export function allChecks(view: CatalogView, index: number): ConsulCheck[] {
  const out: ConsulCheck[] = []
  for (const node of view.nodes()) {
    if (node.state !== 'left') out.push(...nodeChecks(node, index))
  }
  for (const iv of answerable(view.instances()))
    out.push(...instanceChecks(iv, instanceNode(view, iv), index))
  return out
}

export const healthRoutes: FastifyPluginAsyncTypebox<ConsulContext> = async (app, c) => {
  const { ports } = c.api

  app.get(
    '/v1/health/service/:name',
    {
      schema: {
        params: NameParams,
        querystring: ListQuery,
        response: { 200: Type.Array(HealthEntryAnswer) },
      },
    },
    async (request, reply) => {
      refuseFilter(request.query)
      const meta = parseNodeMeta(request.query['node-meta'])
      const passing = isPassingAsked(request.query.passing)
      const index = await c.blocking.wait(reply, request.query)
      return sendCached(c, request, reply, index, () => {
        const view = ports.view()
        return answerable(view.instancesOf(request.params.name))
          .filter((iv) => hasTags(iv, request.query.tag) && nodeMatches(instanceNode(view, iv), meta))
          .map((iv) => healthEntry(view, iv, c.datacenter, index))
          .filter((e) => !passing || e.Checks.every((ch) => ch.Status === 'passing'))
      })
    },
  )

  app.get(
    '/v1/health/checks/:name',
    { schema: { params: NameParams, querystring: ListQuery, response: { 200: Checks } } },
    async (request, reply) => {
      refuseFilter(request.query)
      const meta = parseNodeMeta(request.query['node-meta'])
      const index = await c.blocking.wait(reply, request.query)
      return sendCached(c, request, reply, index, () => {
        const view = ports.view()
        return answerable(view.instancesOf(request.params.name))
          .map((iv) => ({ iv, n: instanceNode(view, iv) }))
          .filter(({ n }) => nodeMatches(n, meta))
          .flatMap(({ iv, n }) => instanceChecks(iv, n, index))
      })
    },
  )

  app.get(
    '/v1/health/state/:state',
    { schema: { params: StateParams, querystring: ListQuery, response: { 200: Checks } } },
    async (request, reply) => {
      refuseFilter(request.query)
      const state = request.params.state
      if (!(STATES as readonly string[]).includes(state)) {
        throw new GrapevineError(
          'VALIDATION',
          `params/state must be one of ${STATES.join(', ')}, not "${state}"`,
        )
      }
      const meta = parseNodeMeta(request.query['node-meta'])
      const index = await c.blocking.wait(reply, request.query)
      return sendCached(c, request, reply, index, () => {
        const view = ports.view()
        const metaOf = new Map(view.nodes().map((n) => [n.name, n.meta]))
        return allChecks(view, index).filter(
          (ch) =>
            (state === 'any' || ch.Status === state) && matchesNodeMeta(metaOf.get(ch.Node) ?? {}, meta),
        )
      })
    },
  )

  app.get(
    '/v1/health/node/:node',
    {
      schema: { params: NodeParams, querystring: Type.Object(ConsulQueryFields), response: { 200: Checks } },
    },
    async (request, reply) => {
      const index = await c.blocking.wait(reply, request.query)
      const view = ports.view()
      const node = view.nodeByName(request.params.node)
      if (node === undefined || node.state === 'left') return []
      const facts = nodeFacts(node)
      const services = answerable(view.instances()).filter((iv) => iv.origin === node.origin)
      return [...nodeChecks(node, index), ...services.flatMap((iv) => instanceChecks(iv, facts, index))]
    },
  )
}
