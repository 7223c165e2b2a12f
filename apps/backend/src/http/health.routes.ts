/** Liveness and readiness. */
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { pingDatabase } from '../db/pool.js';

export function healthRoutes(pool: pg.Pool) {
  return async (app: FastifyInstance) => {
    app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
    app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
      if (await pingDatabase(pool)) return { status: 'ready' };
      return reply
        .code(503)
        .header('retry-after', '5')
        .send({ error: 'unavailable', message: 'The database is unreachable' });
    });
  };
}
