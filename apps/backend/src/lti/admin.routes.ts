/**
 * Managing LTI platform registrations over HTTP (bearer AGENTKIT_SECRET): `POST /api/admin/lti/platforms` (add or
 * replace), `GET` (list), `DELETE ?issuer=…&client_id=…`; `POST /api/admin/lti/keys/rotate` rotates the tool key.
 */
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';
import { requireBearer, requireJsonBody } from '../http/auth.js';
import { validateRegistration } from './registrations.js';
import type { RegistrationsRepository } from './registrations.repository.js';
import type { ToolKeys } from './tool-keys.js';

export function ltiAdminRoutes(registrations: RegistrationsRepository, toolKeys: ToolKeys, secret: string) {
  return async (app: FastifyInstance) => {
    app.addHook('onRequest', requireBearer(secret));
    const tags = ['lti admin'];
    const security = [{ bearer: [] }];
    app.post(
      '/api/admin/lti/platforms',
      { onRequest: requireJsonBody, schema: { tags, security, summary: 'Register (or replace) an LTI platform' } },
      async (request, reply) => {
        const registration = validateRegistration(request.body);
        await registrations.upsert(registration);
        return reply.code(201).send(registration);
      },
    );
    app.get('/api/admin/lti/platforms', { schema: { tags, security, summary: 'List LTI platforms' } }, async () => ({
      platforms: await registrations.list(),
    }));
    app.delete(
      '/api/admin/lti/platforms',
      { schema: { tags, security, summary: 'Remove an LTI platform (query: issuer, client_id)' } },
      async (request, reply) => {
        const { issuer, client_id: clientId } = (request.query ?? {}) as Record<string, unknown>;
        const missing = [
          typeof issuer !== 'string' || !issuer ? 'issuer' : '',
          typeof clientId !== 'string' || !clientId ? 'client_id' : '',
        ].filter(Boolean);
        if (missing.length > 0) {
          throw new AppError(
            'validation_failed',
            `Name the registration to remove: ${missing.join(' and ')} required`,
            {
              details: missing.map((path) => ({ path, message: 'is required (query parameter)' })),
            },
          );
        }
        const removed = await registrations.remove(issuer as string, clientId as string);
        if (!removed) throw new AppError('not_found', `No LTI platform ${issuer} with client_id ${clientId}`);
        return reply.code(204).send();
      },
    );
    app.post(
      '/api/admin/lti/keys/rotate',
      { schema: { tags, security, summary: 'Rotate the LTI tool key' } },
      async () => ({
        kid: await toolKeys.rotate(),
      }),
    );
  };
}
