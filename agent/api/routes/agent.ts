import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { BlockingQuery } from '../blocking.ts'
import type { ApiContext } from '../context.ts'
import { COMMON_ERRORS, MemberStateWord, WRITE_ERRORS } from '../schemas.ts'

/** The fleet's members as this agent sees them, the agent itself, and reloading its definitions. */
const MembersAnswer = Type.Object({
  members: Type.Array(
    Type.Object({
      name: Type.String(),
      peerId: Type.String(),
      state: MemberStateWord,
      local: Type.Boolean(),
      addresses: Type.Array(Type.String()),
      multiaddrs: Type.Array(Type.String()),
      agentVersion: Type.String(),
      meta: Type.Record(Type.String(), Type.String()),
      /** ms since the epoch we last heard from it. */
      lastSeen: Type.Optional(Type.Integer()),
      lastSeenAgoMs: Type.Optional(Type.Integer()),
    }),
  ),
})

const AgentAnswer = Type.Object({
  nodeName: Type.String(),
  peerId: Type.String(),
  datacenter: Type.String(),
  version: Type.String(),
  listen: Type.Array(Type.String()),
  http: Type.String(),
  dns: Type.String(),
  domain: Type.String(),
  startedAt: Type.Integer(),
  uptimeMs: Type.Integer(),
  config: Type.Record(Type.String(), Type.Unknown()),
})

const ReloadAnswer = Type.Object({ loaded: Type.Integer(), errors: Type.Array(Type.String()) })

const SECRET_KEY = /token|secret|password|passwd|swarm.?key|private.?key|^key$/i

/** A copy with secret-looking values replaced, however deep (the ports already leave them out). */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets)
  if (typeof value !== 'object' || value === null) return value
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEY.test(k) && v !== undefined && v !== null && v !== '' ? '[redacted]' : redactSecrets(v)
  }
  return out
}

export const agentRoutes: FastifyPluginAsyncTypebox<ApiContext> = async (app, ctx) => {
  const readQuery = Type.Object(BlockingQuery, { additionalProperties: false })

  app.get(
    '/v1/members',
    { schema: { querystring: readQuery, response: { 200: MembersAnswer, ...COMMON_ERRORS } } },
    async (request, reply) => {
      await ctx.blocking.wait(reply, request.query)
      const now = ctx.ports.now()
      const local = ctx.ports.view().localOrigin
      const members = ctx.ports.members().map((m) => ({
        name: m.name,
        peerId: m.origin,
        state: m.state,
        local: m.origin === local,
        addresses: [...m.addresses],
        multiaddrs: [...m.multiaddrs],
        agentVersion: m.agentVersion,
        meta: { ...m.meta },
        ...(m.lastSeen === undefined
          ? {}
          : { lastSeen: m.lastSeen, lastSeenAgoMs: Math.max(0, Math.round(now - m.lastSeen)) }),
      }))
      members.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      return { members }
    },
  )

  app.get(
    '/v1/agent',
    { schema: { querystring: readQuery, response: { 200: AgentAnswer, ...COMMON_ERRORS } } },
    async (request, reply) => {
      await ctx.blocking.wait(reply, request.query)
      const a = ctx.ports.agentInfo()
      return {
        nodeName: a.nodeName,
        peerId: a.peerId,
        datacenter: a.datacenter,
        version: a.version,
        listen: [...a.listen],
        http: a.http,
        dns: a.dns,
        domain: a.domain,
        startedAt: a.startedAt,
        uptimeMs: Math.max(0, Math.round(ctx.ports.now() - a.startedAt)),
        config: redactSecrets(a.config) as Record<string, unknown>,
      }
    },
  )

  app.put(
    '/v1/agent/reload',
    {
      onRequest: ctx.requireToken,
      // No fields; an empty body (or none) is the normal request.
      schema: {
        body: Type.Object({}, { additionalProperties: false }),
        response: { 200: ReloadAnswer, ...WRITE_ERRORS },
      },
    },
    async () => {
      const r = await ctx.ports.reload()
      return { loaded: r.loaded, errors: [...r.errors] }
    },
  )
}
