import type { FastifyInstance, FastifyRequest } from 'fastify'
import { GrapevineError } from '../errors.ts'

/**
 * Bodies are JSON, whatever the client labels them: Consul clients send PUT bodies with no
 * Content-Type (fastify refuses those by default), curl `-d` says form-urlencoded, and some
 * libraries say text/plain or octet-stream. Any other declared type is refused with 415.
 * An empty body parses as "no body", which routes that need one report field by field.
 */
const JSON_LIKE = new Set([
  '',
  'application/json',
  'text/plain',
  'application/octet-stream',
  'application/x-www-form-urlencoded',
])

export function isJsonLike(contentType: string | undefined): boolean {
  if (contentType === undefined) return true
  const media = contentType.split(';')[0]?.trim().toLowerCase() ?? ''
  return JSON_LIKE.has(media) || media.endsWith('+json')
}

export function installJsonBodyParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'string' }, (request: FastifyRequest, body, done) => {
    if (!isJsonLike(request.headers['content-type'])) {
      done(
        new GrapevineError(
          'UNSUPPORTED_MEDIA_TYPE',
          `body must be JSON, not ${request.headers['content-type']}; send Content-Type: application/json (or none)`,
        ),
        undefined,
      )
      return
    }
    const text = typeof body === 'string' ? body : body.toString('utf8')
    if (text.trim() === '') {
      done(null, undefined)
      return
    }
    parseJson(request, text, done)
  })
}
