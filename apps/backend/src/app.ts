/**
 * The composition root: buildApp wires configuration, database and transports by hand into a Fastify instance.
 * main.ts and the tests build the app the same way; main.ts only adds listening and shutdown.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Db } from './db/pool.js';
import type { DomainDeps } from './domain/deps.js';
import { createRegistry } from './functions/registry.js';
import { agentkitRoutes } from './http/agentkit.routes.js';
import { MAX_BODY_BYTES, registerErrorHandling } from './http/error-handler.js';
import { healthRoutes } from './http/health.routes.js';
import { mcpRoutes } from './mcp/mcp.routes.js';

export const VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

export interface AppDeps {
  config: Config;
  pool: pg.Pool;
  db: Db;
  log: Logger;
  clock?: () => Date;
}

export async function buildApp({ config, pool, db, log, clock = () => new Date() }: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    // Fastify's own request lines include the client address; ours (below) do not.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: MAX_BODY_BYTES,
    // A caller's X-Request-Id is kept when it is a plain token, so its logs and ours correlate; else a new one.
    requestIdHeader: false,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
    },
    return503OnClosing: true,
  });
  const deps: DomainDeps = { db, pool, classroom: config.classroom, clock };
  const registry = createRegistry(deps, log);

  // One line per request, without client addresses or bodies: anonymous questions must stay unlinkable.
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        path: request.url.split('?')[0],
        status: reply.statusCode,
        duration_ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  registerErrorHandling(app);
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Class Assist',
        version: VERSION,
        description:
          'The nine Class Assist functions over HTTP (bearer AGENTKIT_SECRET). The same functions are MCP tools at /mcp.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'AGENTKIT_SECRET' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.get('/', { schema: { hide: true } }, async () => ({
    name: 'Class Assist',
    version: VERSION,
    links: { docs: '/docs', functions: '/api/agentkit/functions', mcp: '/mcp', health: '/healthz', ready: '/readyz' },
  }));
  await app.register(healthRoutes(pool));
  await app.register(agentkitRoutes(registry, config.agentkitSecret));
  await app.register(mcpRoutes(registry, config.agentkitSecret, VERSION));
  return app;
}
