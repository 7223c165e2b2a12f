/**
 * `POST /api/admin/courses/{courseId}/material`: import a lecture (replacing the course's material). The body is the
 * file itself: `text/markdown` or `application/pdf`, at most 10 MiB. Bearer AGENTKIT_SECRET (any course; a new course
 * is created), or an instructor session of that course (bearer session token or the session cookie).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Actor } from '../access/actor.js';
import type { TokenService } from '../auth/tokens.js';
import { AppError } from '../errors.js';
import type { FunctionRegistry } from '../functions/registry.js';
import { mediaType } from './auth.js';
import { serviceOrMember } from './session.js';

export const MATERIAL_BODY_LIMIT = 10 * 1024 * 1024;

const FORMATS: Record<string, 'markdown' | 'pdf'> = { 'text/markdown': 'markdown', 'application/pdf': 'pdf' };

export function materialRoutes(registry: FunctionRegistry, tokens: TokenService, secret: string) {
  const readActor = (request: FastifyRequest) => serviceOrMember(request, tokens, secret, 'import');

  return async (app: FastifyInstance) => {
    // Scoped to this plugin: the rest of the server keeps accepting JSON only.
    app.addContentTypeParser('text/markdown', { parseAs: 'string' }, (_request, body, done) => done(null, body));
    app.addContentTypeParser('application/pdf', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    const actors = new WeakMap<FastifyRequest, Actor>();

    app.post(
      '/api/admin/courses/:courseId/material',
      {
        bodyLimit: MATERIAL_BODY_LIMIT,
        // Both checks run before the body is read: who is calling, then what they send.
        onRequest: [
          async (request) => {
            actors.set(request, await readActor(request));
          },
          async (request) => {
            if (!FORMATS[mediaType(request)]) {
              throw new AppError(
                'unsupported_media_type',
                'Send the lecture as Content-Type: text/markdown (a .md file) or application/pdf (a .pdf file)',
              );
            }
          },
        ],
        schema: {
          tags: ['course material'],
          security: [{ bearer: [] }],
          summary: 'Import lecture material (Markdown or PDF body), replacing the course material',
          params: {
            type: 'object',
            properties: { courseId: { type: 'string', minLength: 1, maxLength: 255 } },
            required: ['courseId'],
          },
        },
      },
      async (request) => {
        const { courseId } = request.params as { courseId: string };
        const actor = actors.get(request);
        if (!actor) throw new AppError('unauthorized', 'Not authenticated');
        const format = FORMATS[mediaType(request)] as 'markdown' | 'pdf';
        const file = request.body as string | Buffer | undefined;
        return registry.invoke('import_material', actor, {
          course_id: courseId,
          format,
          ...(file === undefined ? {} : { file }),
        });
      },
    );
  };
}
