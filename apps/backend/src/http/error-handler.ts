/**
 * The one error handler: AppError becomes its status and JSON body; Fastify's own client errors (bad JSON, too
 * large, wrong content type) are mapped onto the same codes; anything else is a 500 with a request id and no detail.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, fromDatabaseError } from '../errors.js';

export const MAX_BODY_BYTES = 64 * 1024;

function fromFastifyError(err: FastifyError, bodyLimit = MAX_BODY_BYTES): AppError | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError(
        'payload_too_large',
        bodyLimit >= 1024 * 1024
          ? `The body is larger than the limit of ${bodyLimit / (1024 * 1024)} MiB`
          : `The body is larger than the limit of ${bodyLimit / 1024} KiB`,
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('unsupported_media_type', 'Unsupported content type: send Content-Type: application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('validation_failed', 'The body is empty: send a JSON object', {
        details: [{ path: '', message: 'The body must be a JSON object' }],
      });
    default:
      break;
  }
  if (err.statusCode === 400 && (err instanceof SyntaxError || /JSON/i.test(err.message))) {
    return new AppError('validation_failed', `The body is not valid JSON: ${err.message}`, {
      details: [{ path: '', message: 'The body is not valid JSON' }],
    });
  }
  if (err.validation) {
    return new AppError('validation_failed', err.message, {
      details: err.validation.map((v) => ({
        path: v.instancePath.replace(/^\//, '').replace(/\//g, '.'),
        message: v.message ?? 'is invalid',
      })),
    });
  }
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    const code =
      err.statusCode === 404
        ? 'not_found'
        : err.statusCode === 405
          ? 'method_not_allowed'
          : err.statusCode === 429
            ? 'rate_limited'
            : 'validation_failed';
    return new AppError(code, err.message);
  }
  return undefined;
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((raw: FastifyError, request, reply) => {
    const err =
      raw instanceof AppError ? raw : (fromFastifyError(raw, request.routeOptions.bodyLimit) ?? fromDatabaseError(raw));
    if (err instanceof AppError) {
      if (err.retryAfter !== undefined) reply.header('retry-after', String(err.retryAfter));
      if (err.code === 'unauthorized') reply.header('www-authenticate', 'Bearer realm="class-assist"');
      if (err.status >= 500) request.log.warn({ code: err.code, msg: err.message }, 'request failed');
      return reply.code(err.status).type('application/json; charset=utf-8').send(err.toJSON());
    }
    request.log.error({ err: raw }, 'internal error');
    return reply
      .code(500)
      .type('application/json; charset=utf-8')
      .send({ error: 'internal', message: `Internal error (request id ${request.id})`, request_id: request.id });
  });

  app.setNotFoundHandler((request, reply) => {
    reply
      .code(404)
      .send({ error: 'not_found', message: `No route for ${request.method} ${request.url.split('?')[0]}` });
  });
}
