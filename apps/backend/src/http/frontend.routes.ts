/**
 * The page: the built frontend (apps/frontend/dist) at `/` (a single page; its assets under `/assets/`). Without a
 * build, `/` says how to make one instead of failing.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

export const FRONTEND_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../frontend/dist');

export function frontendRoutes(dist = FRONTEND_DIST) {
  return async (app: FastifyInstance) => {
    const index = path.join(dist, 'index.html');
    if (!existsSync(index)) {
      app.get('/', { schema: { hide: true } }, async (_request, reply) =>
        reply
          .code(503)
          .type('text/html; charset=utf-8')
          .send(
            '<!doctype html><title>Class Assist</title><p>The Class Assist page is not built yet: run <code>npm run build</code>, then reload.</p>',
          ),
      );
      return;
    }
    const html = readFileSync(index);
    await app.register(fastifyStatic, { root: dist, index: false, wildcard: false, serve: true, cacheControl: false });
    app.get('/', { schema: { hide: true } }, async (_request, reply) =>
      reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(html),
    );
    app.get('/assets/*', { schema: { hide: true } }, async (request, reply) => {
      const file = (request.params as { '*': string })['*'];
      // Hashed file names: cache for a year.
      return reply.header('cache-control', 'public, max-age=31536000, immutable').sendFile(path.join('assets', file));
    });
  };
}
