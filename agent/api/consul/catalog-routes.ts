import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import {
  answerable,
  catalogService,
  consulNode,
  instanceNode,
  nodeFacts,
  nodeService,
} from './catalog-shapes.ts'
import { type ConsulContext, ConsulQueryFields, refuseFilter, sendCached } from './consul-context.ts'
import {
  CatalogNodeAnswer,
  CatalogServiceAnswer,
  NodeAnswer,
  ServiceTagsAnswer,
  StringListAnswer,
} from './consul-schemas.ts'
import { FilterQueryFields, hasTags, nodeMatches, parseNodeMeta } from './filters.ts'

/**
 * `/v1/catalog/...`: every service, node and instance this agent's merged catalog holds (the
 * whole fleet, not only this host), in Consul's shapes. Nodes that left are not shown.
 */
const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 256 }) })
const NodeParams = Type.Object({ node: Type.String({ minLength: 1, maxLength: 256 }) })
const ListQuery = Type.Object({ ...ConsulQueryFields, ...FilterQueryFields })

export const catalogRoutes: FastifyPluginAsyncTypebox<ConsulContext> = async (app, c) => {
  const { ports } = c.api

  app.get('/v1/catalog/datacenters', { schema: { response: { 200: StringListAnswer } } }, async () => [
    c.datacenter,
  ])

  app.get(
    '/v1/catalog/services',
    { schema: { querystring: ListQuery, response: { 200: ServiceTagsAnswer } } },
    async (request, reply) => {
      refuseFilter(request.query)
      const meta = parseNodeMeta(request.query['node-meta'])
      const index = await c.blocking.wait(reply, request.query)
      return sendCached(c, request, reply, index, () => {
        const view = ports.view()
        const out: Record<string, string[]> = {}
        for (const name of view.serviceNames()) {
          const list = answerable(view.instancesOf(name)).filter((iv) =>
            nodeMatches(instanceNode(view, iv), meta),
          )
          if (list.length === 0) continue
          const tags = new Set<string>()
          for (const iv of list) for (const t of iv.instance.tags) tags.add(t)
          out[list[0]?.instance.service ?? name] = [...tags].sort()
        }
        return out
      })
    },
  )

  app.get(
    '/v1/catalog/service/:name',
    {
      schema: {
        params: NameParams,
        querystring: ListQuery,
        response: { 200: Type.Array(CatalogServiceAnswer) },
      },
    },
    async (request, reply) => {
      refuseFilter(request.query)
      const meta = parseNodeMeta(request.query['node-meta'])
      const index = await c.blocking.wait(reply, request.query)
      return sendCached(c, request, reply, index, () => {
        const view = ports.view()
        return answerable(view.instancesOf(request.params.name))
          .filter((iv) => hasTags(iv, request.query.tag))
          .map((iv) => ({ iv, n: instanceNode(view, iv) }))
          .filter(({ n }) => nodeMatches(n, meta))
          .map(({ iv, n }) => catalogService(n, iv.instance, c.datacenter, index))
      })
    },
  )

  app.get(
    '/v1/catalog/nodes',
    { schema: { querystring: ListQuery, response: { 200: Type.Array(NodeAnswer) } } },
    async (request, reply) => {
      refuseFilter(request.query)
      const meta = parseNodeMeta(request.query['node-meta'])
      const index = await c.blocking.wait(reply, request.query)
      return ports
        .view()
        .nodes()
        .filter((n) => n.state !== 'left')
        .map(nodeFacts)
        .filter((n) => nodeMatches(n, meta))
        .map((n) => consulNode(n, c.datacenter, index))
    },
  )

  app.get(
    '/v1/catalog/node/:node',
    {
      schema: {
        params: NodeParams,
        querystring: Type.Object(ConsulQueryFields),
        response: { 200: CatalogNodeAnswer },
      },
    },
    async (request, reply) => {
      const index = await c.blocking.wait(reply, request.query)
      const view = ports.view()
      const node = view.nodeByName(request.params.node)
      // Consul answers an unknown node with 200 and `null`.
      if (node === undefined || node.state === 'left') return reply.send(null)
      const services: Record<string, ReturnType<typeof nodeService>> = {}
      for (const iv of answerable(view.instances())) {
        if (iv.origin === node.origin) services[iv.instance.id] = nodeService(iv.instance, index)
      }
      return { Node: consulNode(nodeFacts(node), c.datacenter, index), Services: services }
    },
  )
}
