import { STATUS_CODES } from 'node:http'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import { type ErrorCode, GrapevineError, isGrapevineError } from '../errors.ts'

/**
 * Every error the API answers has one shape, `{ statusCode, code, error, message }`, where
 * `code` is a stable word from agent/errors.ts (documented in docs/errors.md) and `message`
 * names the field and what is allowed or says what to do. Internals never leak: anything we did
 * not raise on purpose becomes `INTERNAL` and is logged with the request id.
 */
export interface ErrorBody {
  readonly statusCode: number
  readonly code: ErrorCode
  readonly error: string
  readonly message: string
}

export function errorBody(code: ErrorCode, statusCode: number, message: string): ErrorBody {
  return { statusCode, code, error: STATUS_CODES[statusCode] ?? 'Error', message }
}

/** The fastify errors a client can cause, mapped to our codes. */
function fromFastify(e: FastifyError, bodyLimit: number): GrapevineError | undefined {
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new GrapevineError(
        'PAYLOAD_TOO_LARGE',
        `body is larger than the limit of ${bodyLimit} bytes; send a smaller body`,
      )
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new GrapevineError(
        'UNSUPPORTED_MEDIA_TYPE',
        'body must be JSON; send Content-Type: application/json (or no Content-Type)',
      )
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new GrapevineError('BAD_REQUEST', 'Content-Length does not match the body sent')
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new GrapevineError('BAD_REQUEST', `body is not valid JSON: ${e.message}`)
    default:
      break
  }
  if (e instanceof SyntaxError)
    return new GrapevineError('BAD_REQUEST', `body is not valid JSON: ${e.message}`)
  if (e.validation !== undefined) {
    return new GrapevineError('VALIDATION', `${e.validationContext ?? 'request'} ${e.message}`)
  }
  const status = e.statusCode ?? 500
  if (status >= 400 && status < 500 && typeof e.code === 'string' && e.code.startsWith('FST_')) {
    return new GrapevineError('BAD_REQUEST', e.message)
  }
  return undefined
}

export function toErrorBody(e: unknown, bodyLimit: number): { body: ErrorBody; internal: boolean } {
  const known = isGrapevineError(e) ? e : fromFastify(e as FastifyError, bodyLimit)
  if (known !== undefined)
    return { body: errorBody(known.code, known.statusCode, known.message), internal: false }
  return {
    body: errorBody('INTERNAL', 500, 'internal error; the agent log has the details under this request id'),
    internal: true,
  }
}

export function createErrorHandler(logger: Logger, bodyLimit: number) {
  return function errorHandler(e: unknown, request: FastifyRequest, reply: FastifyReply) {
    const { body, internal } = toErrorBody(e, bodyLimit)
    if (internal)
      logger.error({ err: e, reqId: request.id, route: request.routeOptions.url }, 'request failed')
    else if (body.statusCode >= 500) logger.warn({ code: body.code, reqId: request.id }, body.message)
    reply.header('x-request-id', request.id)
    return reply.status(body.statusCode).type('application/json; charset=utf-8').send(body)
  }
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply) {
  const body = errorBody(
    'NOT_FOUND',
    404,
    `no route ${request.method} ${request.url.split('?')[0]}; see docs/http-api.md for the routes`,
  )
  return reply.status(404).send(body)
}
