/**
 * A course's LTI Assignment and Grade Services, as its launches announced them (lti_course_services): the line items
 * URL and an AGS client authorised with the tool's key at the platform's token URL. Token clients are kept per
 * platform so their access tokens are reused.
 */
import { inCourse } from '../db/course-scope.js';
import type { Db } from '../db/pool.js';
import { createRegistrationsRepository } from './registrations.repository.js';
import { type AgsClient, createAgsClient } from './services/ags.js';
import { createPlatformTokenClient } from './services/token-client.js';
import type { PlatformTokenClient } from './services/types.js';
import type { ToolKeys } from './tool-keys.js';

export interface CourseAgs {
  lineitemsUrl: string;
  client: AgsClient;
}

export type CourseAgsResolver = (courseId: string) => Promise<CourseAgs | undefined>;

export function createCourseAgsResolver(options: {
  db: Db;
  toolKeys: ToolKeys;
  clock: () => Date;
  fetch?: typeof fetch;
}): CourseAgsResolver {
  const registrations = createRegistrationsRepository(options.db);
  const tokenClients = new Map<string, PlatformTokenClient>();
  const extra = options.fetch ? { fetch: options.fetch } : {};

  return async (courseId) => {
    const services = await inCourse(options.db, courseId, (tx) =>
      tx
        .selectFrom('lti_course_services')
        .select(['issuer', 'client_id', 'lineitems_url', 'ags_scopes'])
        .where('course_id', '=', courseId)
        .executeTakeFirst(),
    );
    if (!services?.lineitems_url) return undefined;
    const key = `${services.issuer}\n${services.client_id}`;
    let tokens = tokenClients.get(key);
    if (!tokens) {
      const registration = (await registrations.find(services.issuer, services.client_id))[0];
      if (!registration) return undefined;
      tokens = createPlatformTokenClient({
        tokenUrl: registration.auth_token_url,
        clientId: registration.client_id,
        signer: await options.toolKeys.getToolSigner(),
        clock: options.clock,
        ...extra,
      });
      tokenClients.set(key, tokens);
    }
    return {
      lineitemsUrl: services.lineitems_url,
      client: createAgsClient({ tokens, availableScopes: services.ags_scopes, ...extra }),
    };
  };
}
