/** `GET /api/session` and, in development only, `GET /dev/launch` (a session without an LMS). */
import type { FastifyInstance } from 'fastify';
import { mapRoles } from '../access/roles.js';
import type { TokenService } from '../auth/tokens.js';
import type { Config } from '../config.js';
import { memberActor } from '../functions/function.js';
import type { FunctionRegistry } from '../functions/registry.js';
import { ID } from '../functions/validation.js';
import { requireIdentity, startSession } from './session.js';

const id = { type: 'string', ...ID } as const;

export function sessionRoutes(registry: FunctionRegistry, tokens: TokenService, config: Config) {
  return async (app: FastifyInstance) => {
    app.get('/api/session', { schema: { tags: ['page'], summary: 'Who the browser session is' } }, async (request) => {
      const { userId, courseId, courseName, role } = await requireIdentity(request, tokens, ['session']);
      return { userId, courseId, courseName, role };
    });

    if (config.nodeEnv === 'production') return;
    app.get(
      '/dev/launch',
      {
        schema: {
          tags: ['page'],
          summary: 'Development only: start a session and open the page',
          querystring: {
            type: 'object',
            required: ['userId', 'courseId'],
            additionalProperties: false,
            properties: {
              role: { type: 'string', maxLength: 200 },
              userId: id,
              courseId: id,
              courseName: { type: 'string', maxLength: 500 },
            },
          },
        },
      },
      async (request, reply) => {
        const query = request.query as { role?: string; userId: string; courseId: string; courseName?: string };
        const role = mapRoles(query.role ?? 'Learner');
        const given = query.courseName?.trim();
        const { course_name: courseName } = await registry.invoke(
          'join_course',
          memberActor({ userId: query.userId, courseId: query.courseId, role }),
          { course_id: query.courseId, ...(given ? { course_name: given } : {}) },
        );
        const token = await startSession(reply, tokens, config, {
          userId: query.userId,
          courseId: query.courseId,
          courseName,
          role,
        });
        // The page keeps the token per tab (see http/session.ts); the fragment never reaches a server log.
        return reply.redirect(`/#session=${token}`, 302);
      },
    );
  };
}
