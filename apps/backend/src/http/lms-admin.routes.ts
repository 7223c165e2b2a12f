/**
 * A course's LMS connection and roster, for a trusted caller (bearer AGENTKIT_SECRET):
 * `PUT/GET/DELETE /api/admin/courses/{courseId}/lms` ({kind, base_url, token, lms_course_id}; the token is never
 * returned) and `PUT /api/admin/courses/{courseId}/roster` ([{user_id, lms_user_id, name, email?, role}]).
 */
import type { FastifyInstance } from 'fastify';
import { SERVICE_ACTOR } from '../functions/function.js';
import type { FunctionRegistry } from '../functions/registry.js';
import { requireBearer, requireJsonBody } from './auth.js';

const params = {
  type: 'object',
  properties: { courseId: { type: 'string', minLength: 1, maxLength: 255 } },
  required: ['courseId'],
} as const;

export function lmsAdminRoutes(registry: FunctionRegistry, secret: string) {
  return async (app: FastifyInstance) => {
    app.addHook('onRequest', requireBearer(secret));
    const tags = ['lms admin'];
    const security = [{ bearer: [] }];
    const course = (request: { params: unknown }) => (request.params as { courseId: string }).courseId;

    app.put(
      '/api/admin/courses/:courseId/lms',
      { onRequest: requireJsonBody, schema: { tags, security, params, summary: 'Set the course’s LMS connection' } },
      async (request) =>
        registry.invoke('set_lms_connection', SERVICE_ACTOR, { course_id: course(request), connection: request.body }),
    );
    app.get(
      '/api/admin/courses/:courseId/lms',
      { schema: { tags, security, params, summary: 'The course’s LMS connection (never the token)' } },
      async (request) => registry.invoke('get_lms_connection', SERVICE_ACTOR, { course_id: course(request) }),
    );
    app.delete(
      '/api/admin/courses/:courseId/lms',
      { schema: { tags, security, params, summary: 'Remove the course’s own LMS connection' } },
      async (request, reply) => {
        await registry.invoke('delete_lms_connection', SERVICE_ACTOR, { course_id: course(request) });
        return reply.code(204).send();
      },
    );
    app.put(
      '/api/admin/courses/:courseId/roster',
      {
        onRequest: requireJsonBody,
        bodyLimit: 5 * 1024 * 1024,
        schema: { tags, security, params, summary: 'Load the course roster (people, LMS user ids, roles)' },
      },
      async (request) =>
        registry.invoke('load_roster', SERVICE_ACTOR, { course_id: course(request), roster: request.body }),
    );
  };
}
