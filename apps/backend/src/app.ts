/**
 * The composition root: buildApp wires configuration, database and transports by hand into a Fastify instance.
 * start.ts and the tests build the app the same way; start.ts only adds listening and shutdown.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyServerOptions,
  LogController,
} from 'fastify';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { StudyProvider } from './ai/provider.js';
import { createStudyProvider } from './ai/study-provider.js';
import { deriveKey } from './auth/secret-box.js';
import { createTokenService } from './auth/tokens.js';
import { chatkitRoutes } from './chatkit/chatkit.routes.js';
import { createClassAssistChatKit } from './chatkit/class-assist-chatkit.js';
import type { RenderWidget } from './chatkit/widget-item.js';
import type { Config, TrustProxy } from './config.js';
import type { Db } from './db/pool.js';
import { createPingBatcher } from './domain/confusion.service.js';
import type { DomainDeps } from './domain/deps.js';
import { unfinishedOutboxJobs } from './domain/intervention.repository.js';
import { createRegistry } from './functions/registry.js';
import { agentkitRoutes } from './http/agentkit.routes.js';
import { MAX_BODY_BYTES, registerErrorHandling } from './http/error-handler.js';
import { exportRoutes } from './http/exports.routes.js';
import { frontendRoutes } from './http/frontend.routes.js';
import { healthRoutes } from './http/health.routes.js';
import { interventionRoutes } from './http/interventions.routes.js';
import { lmsAdminRoutes } from './http/lms-admin.routes.js';
import { materialRoutes } from './http/material.routes.js';
import { quizExportRoutes } from './http/quiz-export.routes.js';
import { registerRateLimits } from './http/rate-limits.js';
import { registerSecurityHeaders } from './http/security-headers.js';
import { fastifyServerLimits, HTTP_TIMEOUTS, type HttpTimeouts, nodeServerLimits } from './http/server-limits.js';
import { sessionRoutes } from './http/session.routes.js';
import { registerTextHygiene } from './http/text-hygiene.js';
import { readTls } from './http/tls.js';
import { createDelivery } from './lms/delivery.js';
import type { RetryOptions } from './lms/lms-http.js';
import { createOutbox, type Outbox } from './lms/outbox.js';
import { createCourseAgsResolver } from './lti/course-ags.js';
import type { PlatformJwks } from './lti/platform-jwks.js';
import { ltiPlugin } from './lti/plugin.js';
import { createToolKeys, type ToolKeys } from './lti/tool-keys.js';
import { mcpRoutes } from './mcp/mcp.routes.js';
import { createMetrics } from './metrics/metrics.js';
import { metricsRoutes } from './metrics/metrics.routes.js';
import { createCourseEvents } from './realtime/course-events.js';
import { liveRoutes } from './realtime/live.routes.js';
import { createClassAssistWidget } from './widget/class-assist-widget.js';

export const VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

export interface AppDeps {
  config: Config;
  pool: pg.Pool;
  db: Db;
  log: Logger;
  clock?: () => Date;
  /** The widget renderer (the class-assist.widget file by default). */
  renderWidget?: RenderWidget;
  /** Where the built page is (apps/frontend/dist by default). */
  frontendDist?: string;
  /** The LTI tool keys (created from the database and SESSION_SECRET by default). */
  toolKeys?: ToolKeys;
  /** Where platform key sets are fetched and cached (jose remote JWK sets by default). */
  ltiPlatformJwks?: PlatformJwks;
  /** Quizzes and re-explanations (by default the one config asks for: ai/study-provider.ts). */
  study?: StudyProvider;
  /** Retry timing of LMS requests within one delivery attempt (tests shorten it). */
  lmsHttp?: Partial<RetryOptions>;
  /** Deadlines for clients sending requests (http/server-limits.ts; tests shorten them). */
  httpTimeouts?: Partial<HttpTimeouts>;
}

export async function buildApp({
  config,
  pool,
  db,
  log,
  clock = () => new Date(),
  renderWidget,
  frontendDist,
  toolKeys,
  ltiPlatformJwks,
  study = createStudyProvider(config, log.child({ module: 'study' })),
  lmsHttp,
  httpTimeouts,
}: AppDeps): Promise<FastifyInstance> {
  const tls = config.http.tls ? readTls(config.http.tls) : undefined;
  const timeouts = { ...HTTP_TIMEOUTS, ...httpTimeouts };
  const app = Fastify({
    // HTTPS directly when TLS_CERT and TLS_KEY are set (typed as the plain server: both serve requests the same way).
    // Slow or oversized requests are cut off at the socket, over HTTP and HTTPS alike.
    ...(tls ? { https: { ...tls, ...nodeServerLimits(timeouts) } } : { http: nodeServerLimits(timeouts) }),
    ...fastifyServerLimits(timeouts),
    // Behind proxies (TRUST_PROXY), request.ip and the protocol come from their X-Forwarded-* headers.
    trustProxy: trustProxyOption(config.http.trustProxy),
    loggerInstance: log as FastifyBaseLogger,
    // Fastify's own request lines include the client address; ours (below) do not.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: MAX_BODY_BYTES,
    // Path parameters hold signed tokens (the export links, a few hundred characters): the default of 100 gives 414.
    routerOptions: { maxParamLength: 2048 },
    // A caller's X-Request-Id is kept when it is a plain token, so its logs and ours correlate; else a new one.
    requestIdHeader: false,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
    },
    return503OnClosing: true,
    // Route schemas validate exactly what they say: no type coercion, no silently dropped fields.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: true } },
  } as FastifyServerOptions);
  const metrics = createMetrics(pool);
  const deps: DomainDeps = { db, pool, classroom: config.classroom, clock, study, metrics };
  deps.pings = createPingBatcher(deps, config.pingBatch);
  const keys =
    toolKeys ??
    createToolKeys({ db, sessionSecret: config.sessionSecret, graceDays: config.lti.keyRotationGraceDays, clock });
  const lmsLog = log.child({ module: 'lms' });
  const deliver = createDelivery({
    deps,
    log: lmsLog,
    courseAgs: createCourseAgsResolver({ db, toolKeys: keys, clock }),
    http: lmsHttp,
    publicUrl: config.publicUrl,
  });
  const outbox = createOutbox({
    pool,
    settings: config.lms,
    log: lmsLog,
    work: deliver,
    unfinished: () => unfinishedOutboxJobs(db),
  });
  deps.lms = { settings: config.lms, tokenKey: deriveKey(config.sessionSecret, 'lms-token-encryption'), outbox };
  const tokens = createTokenService(config.sessionSecret, clock);
  deps.tokens = tokens;
  const registry = createRegistry(deps, log);
  const render = renderWidget ?? createClassAssistWidget().render;
  const chatkit = createClassAssistChatKit({ deps, registry, tokens, render, log, openai: config.openai });
  const courseEvents = createCourseEvents(pool, log);

  // One line per request, without client addresses or bodies (anonymous questions must stay unlinkable), and with the
  // route's pattern rather than its path, so tokens in paths (export links) never reach a log.
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        path: request.routeOptions.url ?? request.url.split('?')[0],
        status: reply.statusCode,
        duration_ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  registerErrorHandling(app);
  registerTextHygiene(app);
  await registerSecurityHeaders(app, config, tls !== undefined);
  await registerRateLimits(app, {
    settings: config.rateLimit,
    redisUrl: config.redisUrl,
    tokens,
    agentkitSecret: config.agentkitSecret,
    log: log.child({ module: 'rate-limits' }),
  });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Class Assist',
        version: VERSION,
        description:
          'The nine Class Assist functions over HTTP (bearer AGENTKIT_SECRET). The same functions are MCP tools at /mcp.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'AGENTKIT_SECRET' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await app.register(cookie);
  await app.register(healthRoutes(pool));
  await app.register(metricsRoutes(metrics, config.metricsToken));
  await app.register(agentkitRoutes(registry, config.agentkitSecret));
  await app.register(mcpRoutes(registry, config.agentkitSecret, VERSION));
  await app.register(sessionRoutes(registry, tokens, config));
  await app.register(chatkitRoutes({ registry, tokens, config, chatkit }));
  await app.register(liveRoutes(deps, tokens, courseEvents));
  await app.register(exportRoutes(registry, tokens));
  await app.register(materialRoutes(registry, tokens, config.agentkitSecret));
  await app.register(quizExportRoutes(registry, tokens, config.agentkitSecret));
  await app.register(lmsAdminRoutes(registry, config.agentkitSecret));
  await app.register(interventionRoutes(registry, tokens, config.agentkitSecret));
  app.decorate('ltiToolKeys', keys);
  app.decorate('outbox', outbox);
  // Lets a delivery in progress finish its current step, then closes the outbox's connections.
  app.addHook('onClose', async () => {
    await outbox.stop();
  });
  // Pings still waiting for their batch are written (and answered) before the database closes.
  app.addHook('onClose', async () => {
    await deps.pings?.drain();
  });
  await app.register(ltiPlugin({ deps, config, tokens, toolKeys: keys, platformJwks: ltiPlatformJwks }));
  await app.register(frontendRoutes(frontendDist));
  return app;
}

/** TRUST_PROXY for Fastify: a number of proxies becomes "trust the nearest n hops". */
function trustProxyOption(value: TrustProxy): FastifyServerOptions['trustProxy'] {
  return typeof value === 'number' ? (_address: string, hop: number) => hop < value : value;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The delivery outbox of LMS interventions; start.ts starts it so every instance works the queue. */
    outbox: Outbox;
  }
}
