/**
 * `GET /api/interventions/{id}`: an intervention's progress — `{intervention_id, kind, status, recipients:[{user_id,
 * status, reason?}], lms}`. Bearer AGENTKIT_SECRET, or an instructor session of its course; another course's
 * intervention is 404.
 */
import type { FastifyInstance } from 'fastify';
import type { TokenService } from '../auth/tokens.js';
import type { FunctionRegistry } from '../functions/registry.js';
import { intervention } from '../functions/result-schemas.js';
import { serviceOrMember } from './session.js';

export function interventionRoutes(registry: FunctionRegistry, tokens: TokenService, secret: string) {
  return async (app: FastifyInstance) => {
    app.get(
      '/api/interventions/:id',
      {
        schema: {
          tags: ['functions'],
          security: [{ bearer: [] }],
          summary: 'The progress of a notification or quiz assignment (notify_students_via_lms, assign_remedial_quiz)',
          params: {
            type: 'object',
            properties: { id: { type: 'string', minLength: 1, maxLength: 100 } },
            required: ['id'],
          },
          response: { 200: intervention('The notification or quiz') },
        },
      },
      async (request) => {
        const actor = await serviceOrMember(request, tokens, secret, 'read interventions');
        return registry.invoke('get_intervention', actor, { intervention_id: (request.params as { id: string }).id });
      },
    );
  };
}
