/**
 * The LTI 1.3 endpoints a platform calls: `GET|POST /lti/login` (third-party initiated login → redirect to the
 * platform's auth URL), `POST /lti/launch` (the id_token → a Class Assist session → `/#session=<token>`, or the deep
 * linking picker for an LtiDeepLinkingRequest), `POST /lti/deep-link` (the picker's choice → the signed response, see
 * deep-link-picker.ts) and `GET /lti/jwks` (the tool's public keys). Every refusal is an error page (JSON on
 * request), logged, storing nothing.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TokenService } from '../auth/tokens.js';
import type { Config } from '../config.js';
import type { DomainDeps } from '../domain/deps.js';
import { fromDatabaseError } from '../errors.js';
import { startSession } from '../http/session.js';
import { answerDeepLinkingLaunch, checkDeepLinkingLaunch, deepLinkHandler } from './deep-link-picker.js';
import { LtiError, sendLtiError } from './error-page.js';
import { validateIdToken } from './id-token.js';
import { recordLaunch } from './launch.service.js';
import type { PlatformJwks } from './platform-jwks.js';
import { sendLaunchCheckedByPlatformStorage, sendLoginWithPlatformStorage } from './platform-storage.js';
import type { RegistrationsRepository } from './registrations.repository.js';
import { syncRosterAfterLaunch } from './roster-sync.js';
import type { ToolKeys } from './tool-keys.js';

/** How long a login's state and nonce wait for the launch. */
export const STATE_TTL_SECONDS = 600;
export const stateCookieName = (state: string) => `lti_state_${state}`;

export interface LtiRouteDeps {
  deps: DomainDeps;
  config: Config;
  tokens: TokenService;
  registrations: RegistrationsRepository;
  toolKeys: ToolKeys;
  platformJwks: PlatformJwks;
}

function params(request: FastifyRequest): Record<string, string> {
  const source = (request.method === 'POST' ? request.body : request.query) ?? {};
  const out: Record<string, string> = {};
  if (typeof source === 'object') {
    for (const [key, value] of Object.entries(source as Record<string, unknown>)) {
      if (typeof value === 'string') out[key] = value;
    }
  }
  return out;
}

function sameOrigin(url: string, base: string): boolean {
  try {
    return new URL(url).origin === new URL(base).origin;
  } catch {
    return false;
  }
}

export function ltiRoutes({ deps, config, tokens, registrations, toolKeys, platformJwks }: LtiRouteDeps) {
  const redirectUri = `${config.publicUrl}/lti/launch`;
  const production = config.nodeEnv === 'production';

  async function login(request: FastifyRequest, reply: FastifyReply) {
    try {
      const p = params(request);
      // Canvas also sends lti_storage_target, lti_deployment_id, canvas_region, canvas_environment: accepted.
      const missing = ['iss', 'login_hint', 'target_link_uri'].filter((name) => !p[name]);
      if (missing.length > 0) {
        throw new LtiError('invalid_request', `The login request lacks ${missing.join(', ')}`);
      }
      const iss = p.iss as string;
      const found = await registrations.find(iss, p.client_id || undefined);
      if (found.length === 0) {
        throw new LtiError('unknown_platform', `The platform "${iss}" is not registered with Class Assist`);
      }
      if (found.length > 1) {
        throw new LtiError(
          'invalid_request',
          `The platform "${iss}" has several registrations: the login must name client_id`,
        );
      }
      const registration = found[0] as NonNullable<(typeof found)[0]>;
      if (p.lti_deployment_id && !registration.deployment_ids.includes(p.lti_deployment_id)) {
        throw new LtiError(
          'unknown_deployment',
          `The deployment "${p.lti_deployment_id}" is not registered for this platform`,
        );
      }
      if (!sameOrigin(p.target_link_uri as string, config.publicUrl)) {
        throw new LtiError('invalid_target_link_uri', 'The target_link_uri is not a Class Assist address');
      }
      const state = randomBytes(24).toString('base64url');
      const nonce = randomBytes(24).toString('base64url');
      const now = deps.clock();
      try {
        await deps.db.deleteFrom('lti_states').where('expires_at', '<', now).execute();
        await deps.db
          .insertInto('lti_states')
          .values({
            state,
            nonce,
            issuer: registration.issuer,
            client_id: registration.client_id,
            expires_at: new Date(now.getTime() + STATE_TTL_SECONDS * 1000),
          })
          .execute();
      } catch (err) {
        throw fromDatabaseError(err);
      }
      const auth = new URL(registration.auth_login_url);
      const query: Record<string, string> = {
        scope: 'openid',
        response_type: 'id_token',
        response_mode: 'form_post',
        prompt: 'none',
        client_id: registration.client_id,
        redirect_uri: redirectUri,
        login_hint: p.login_hint as string,
        state,
        nonce,
      };
      if (p.lti_message_hint) query.lti_message_hint = p.lti_message_hint;
      for (const [key, value] of Object.entries(query)) auth.searchParams.set(key, value);
      reply.setCookie(stateCookieName(state), state, {
        httpOnly: true,
        path: '/lti/',
        sameSite: production ? 'none' : 'lax',
        secure: production,
        maxAge: STATE_TTL_SECONDS,
      });
      if (p.lti_storage_target) {
        // Cookies may be blocked in the LMS iframe: keep the state in the platform's storage too.
        return sendLoginWithPlatformStorage(reply, {
          target: p.lti_storage_target,
          platformOrigin: new URL(registration.auth_login_url).origin,
          authUrl: auth.toString(),
          state,
          nonce,
        });
      }
      return reply.header('cache-control', 'no-store').redirect(auth.toString(), 302);
    } catch (err) {
      return sendLtiError(request, reply, err);
    }
  }

  async function launch(request: FastifyRequest, reply: FastifyReply) {
    try {
      const p = params(request);
      if (p.error) {
        throw new LtiError('invalid_request', `The platform refused the login: ${p.error_description || p.error}`);
      }
      const { id_token: idToken, state } = p;
      if (!idToken || !state) {
        throw new LtiError(
          'invalid_request',
          `The launch lacks ${[!idToken && 'id_token', !state && 'state'].filter(Boolean).join(' and ')}`,
        );
      }
      // The state is bound to this browser by its cookie, or (cookies blocked) checked in the browser against the
      // platform's storage before the session is used: see platform-storage.ts.
      const cookieBound = request.cookies?.[stateCookieName(state)] === state;
      const storageTarget = cookieBound ? undefined : p.lti_storage_target;
      if (!cookieBound && !storageTarget) {
        throw new LtiError(
          'state_mismatch',
          'The launch state does not match this browser (no state cookie): open Class Assist again from your course',
        );
      }
      const now = deps.clock();
      let stored: { nonce: string; issuer: string; client_id: string } | undefined;
      try {
        stored = await deps.db
          .selectFrom('lti_states')
          .select(['nonce', 'issuer', 'client_id'])
          .where('state', '=', state)
          .where('expires_at', '>', now)
          .executeTakeFirst();
      } catch (err) {
        throw fromDatabaseError(err);
      }
      if (!stored)
        throw new LtiError('state_expired', 'The launch state is unknown or has expired: open Class Assist again');
      const registration = (await registrations.find(stored.issuer, stored.client_id))[0];
      if (!registration)
        throw new LtiError('unknown_platform', `The platform "${stored.issuer}" is no longer registered`);

      const claims = await validateIdToken({
        token: idToken,
        registration,
        expectedNonce: stored.nonce,
        keys: platformJwks.get(registration.jwks_url),
        now,
      });
      // Deep linking: instructors only, checked before anything is recorded (see deep-link-picker.ts).
      const deepLinking = claims.messageType === 'LtiDeepLinkingRequest' ? checkDeepLinkingLaunch(claims) : undefined;
      if (deepLinking && storageTarget) {
        throw new LtiError(
          'state_mismatch',
          'Adding Class Assist to a course needs cookies for this site: allow them, or add Class Assist in a new window',
        );
      }
      const identity = await recordLaunch(deps, claims);
      request.log.info(
        { course_id: identity.courseId, role: identity.role, message_type: claims.messageType },
        'lti launch accepted',
      );
      // An instructor's launch refreshes the course roster in the background (at most every 10 minutes).
      void syncRosterAfterLaunch({ deps, registrations, toolKeys, log: request.log }, claims, identity);
      if (deepLinking) {
        reply.clearCookie(stateCookieName(state), { path: '/lti/' });
        return answerDeepLinkingLaunch(reply, tokens, claims, deepLinking, identity);
      }
      if (storageTarget) {
        const { token } = await tokens.issue('session', identity);
        return sendLaunchCheckedByPlatformStorage(reply, {
          target: storageTarget,
          platformOrigin: new URL(registration.auth_login_url).origin,
          state,
          sessionToken: token,
        });
      }
      const token = await startSession(reply, tokens, config, identity);
      reply.clearCookie(stateCookieName(state), { path: '/lti/' });
      // The page keeps the token per tab (see http/session.ts); the fragment never reaches a server log.
      return reply.header('cache-control', 'no-store').redirect(`/#session=${token}`, 302);
    } catch (err) {
      return sendLtiError(request, reply, err);
    }
  }

  return async (app: FastifyInstance) => {
    // Platforms form-post the login and the launch.
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    const hide = { hide: true } as const;
    app.get('/lti/login', { schema: { ...hide } }, login);
    app.post('/lti/login', { schema: { ...hide } }, login);
    app.post('/lti/launch', { schema: { ...hide } }, launch);
    app.post('/lti/deep-link', { schema: { ...hide } }, deepLinkHandler({ deps, config, tokens, toolKeys }));
    app.get(
      '/lti/jwks',
      { schema: { tags: ['lti'], summary: "The tool's public keys (JWKS)" } },
      async (_request, reply) => {
        reply.header('cache-control', 'public, max-age=300');
        return toolKeys.jwks();
      },
    );
  };
}
