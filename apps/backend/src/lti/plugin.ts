/**
 * The LTI 1.3 plugin: loads LTI_PLATFORMS_FILE into lti_platforms, makes sure the tool has a key pair, and registers
 * the platform-facing routes (/lti/*) and the admin API (/api/admin/lti/*).
 */
import type { FastifyInstance } from 'fastify';
import type { TokenService } from '../auth/tokens.js';
import type { Config } from '../config.js';
import type { DomainDeps } from '../domain/deps.js';
import { ltiAdminRoutes } from './admin.routes.js';
import { ltiRoutes } from './lti.routes.js';
import { createPlatformJwks, type PlatformJwks } from './platform-jwks.js';
import { readPlatformsFile } from './registrations.js';
import { createRegistrationsRepository } from './registrations.repository.js';
import { rosterSyncsSettled } from './roster-sync.js';
import type { ToolKeys } from './tool-keys.js';

export interface LtiPluginOptions {
  deps: DomainDeps;
  config: Config;
  tokens: TokenService;
  toolKeys: ToolKeys;
  platformJwks?: PlatformJwks;
}

export function ltiPlugin({ deps, config, tokens, toolKeys, platformJwks }: LtiPluginOptions) {
  return async (app: FastifyInstance) => {
    const registrations = createRegistrationsRepository(deps.db);
    // A malformed file stops the start; an unreachable database does not (the app starts and answers 503).
    const loaded = config.lti.platformsFile ? readPlatformsFile(config.lti.platformsFile) : [];
    try {
      for (const registration of loaded) await registrations.upsert(registration);
      if (loaded.length > 0) {
        app.log.info({ count: loaded.length, file: config.lti.platformsFile }, 'loaded LTI platform registrations');
      }
      await toolKeys.ensureKey();
    } catch (err) {
      app.log.warn(
        { err: (err as Error).message },
        'LTI setup postponed: platforms file not loaded (restart to load it); the tool key is created on first use',
      );
    }
    await app.register(
      ltiRoutes({ deps, config, tokens, registrations, toolKeys, platformJwks: platformJwks ?? createPlatformJwks() }),
    );
    await app.register(ltiAdminRoutes(registrations, toolKeys, config.agentkitSecret));
    // Shutdown lets a roster sync in flight finish (it writes in one transaction, so stopping mid-way loses nothing).
    app.addHook('onClose', async () => {
      await rosterSyncsSettled();
    });
  };
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The tool's keys; `getToolSigner()` signs deep-linking responses and service client assertions. */
    ltiToolKeys: ToolKeys;
  }
}
