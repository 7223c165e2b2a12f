/**
 * HTTP transport of the nine functions: `GET /api/agentkit/functions` and `POST /api/agentkit/{name}` with the
 * AgentKit secret as bearer token. Order of refusals: 401, 404, 415, 413, 400.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { type CallOptions, isExportStream, SERVICE_ACTOR } from '../functions/function.js';
import type { FunctionRegistry } from '../functions/registry.js';
import { RESULT_SCHEMAS } from '../functions/result-schemas.js';
import { requireBearer, requireJsonBody } from './auth.js';
import { MAX_BODY_BYTES } from './error-handler.js';
import { sendDownload } from './send-download.js';

const errorSchema = {
  type: 'object',
  properties: {
    error: { type: 'string' },
    message: { type: 'string' },
    details: {
      type: 'array',
      items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } },
    },
  },
};

export function agentkitRoutes(registry: FunctionRegistry, secret: string) {
  const checkBearer = requireBearer(secret);
  return async (app: FastifyInstance) => {
    app.get(
      '/api/agentkit/functions',
      { schema: { tags: ['functions'], summary: 'The nine function definitions' } },
      async () => ({
        functions: registry.definitions,
      }),
    );

    for (const definition of registry.definitions) {
      const result = RESULT_SCHEMAS[definition.name];
      app.post(
        `/api/agentkit/${definition.name}`,
        {
          onRequest: [checkBearer, requireJsonBody],
          bodyLimit: MAX_BODY_BYTES,
          // Arguments are validated by the registry, identically for every transport.
          validatorCompiler: () => () => true,
          schema: {
            tags: ['functions'],
            summary: definition.description,
            security: [{ bearer: [] }],
            body: definition.parameters,
            response: {
              ...(result ? { 200: result } : {}),
              '4xx': errorSchema,
              '5xx': errorSchema,
            },
          },
        },
        async (request, reply) =>
          send(reply, await registry.invokePublic(definition.name, SERVICE_ACTOR, request.body, callOptions(request))),
      );
    }

    // Unknown names are refused before the body is read, so a wrong content type cannot mask the 404.
    app.post(
      '/api/agentkit/:name',
      { onRequest: [checkBearer, unknownFunction], schema: { hide: true } },
      async () => undefined,
    );
  };
}

/**
 * `Idempotency-Key` (a plain token of up to 255 characters): a repeated intervention or submit_question call returns
 * the first one.
 */
function callOptions(request: FastifyRequest): CallOptions {
  const key = request.headers['idempotency-key'];
  if (key === undefined) return {};
  if (typeof key !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(key)) {
    throw new AppError('validation_failed', 'Idempotency-Key must be 1 to 255 visible ASCII characters');
  }
  return { idempotencyKey: key };
}

async function unknownFunction(request: FastifyRequest): Promise<void> {
  const { name } = request.params as { name: string };
  throw new AppError(
    'unknown_function',
    `There is no function named "${name}"; GET /api/agentkit/functions lists them`,
  );
}

function send(reply: FastifyReply, result: unknown) {
  return isExportStream(result) ? sendDownload(reply, result) : reply.send(result);
}
