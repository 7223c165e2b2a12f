/**
 * `GET /metrics`: the instance's metrics in the Prometheus text format. Open when `METRICS_TOKEN` is empty (bind the
 * port to a private network then, see docs/monitoring/README.md); else `Authorization: Bearer <METRICS_TOKEN>`.
 */
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';
import { hasBearerSecret } from '../http/auth.js';
import type { Metrics } from './metrics.js';

export function metricsRoutes(metrics: Metrics, token: string) {
  return async (app: FastifyInstance) => {
    app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
      if (token && !hasBearerSecret(request, token)) {
        throw new AppError(
          'unauthorized',
          'Missing or invalid bearer token: send Authorization: Bearer <METRICS_TOKEN>',
        );
      }
      const body = await metrics.registry.metrics();
      return reply.header('content-type', metrics.registry.contentType).header('cache-control', 'no-store').send(body);
    });
  };
}
