/**
 * Rate limits (@fastify/rate-limit): counted in Redis when REDIS_URL is set, so every instance shares them, else in
 * this process. Each request (but health, metrics, the page's assets and the API docs) counts against its caller:
 *   - a signed-in member (session or ChatKit client secret): `member:<course>:<user>`, RATE_LIMIT_PER_MINUTE;
 *   - the AgentKit secret: `service:<course>`, the course its call names, RATE_LIMIT_SERVICE_PER_MINUTE;
 *   - anyone else: `ip:<address>`, RATE_LIMIT_IP_PER_MINUTE.
 * `track_confusion` and `submit_question` count a second time per student (RATE_LIMIT_PING_PER_MINUTE), through
 * `/api/agentkit`, `/mcp` and ChatKit widget actions alike: one student hammering a button is slowed, while a lecture
 * hall behind one address is not, because signed-in members are never counted by address.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { TokenService } from '../auth/tokens.js';
import type { RateLimitSettings } from '../config.js';
import { AppError } from '../errors.js';
import { hasBearerSecret } from './auth.js';
import { readIdentity } from './session.js';

export interface RateLimitDeps {
  settings: RateLimitSettings;
  /** Empty: counts are kept in this process. */
  redisUrl: string;
  tokens: TokenService;
  agentkitSecret: string;
  log: Logger;
}

/** One count a request adds to: its bucket, the bucket's limit per minute, and what the 429 message calls it. */
interface Limit {
  key: string;
  max: number;
  what: string;
}

/** The functions limited per student, and the ChatKit widget actions that run them. */
const PING_FUNCTIONS = new Set(['track_confusion', 'submit_question']);
const PING_ACTIONS: Record<string, string> = {
  'confusion.ping': 'track_confusion',
  'question.submit': 'submit_question',
};

/** Routes never limited: probes, metrics scrapes, the page's hashed assets, the API docs' files. */
const EXEMPT = /^\/(healthz|readyz|metrics)$|^\/assets\/|^\/docs\/static\//;

const WINDOW_MS = 60_000;

/** Registers the limits on every route of `app` (call before the routes); does nothing when RATE_LIMIT=off. */
export async function registerRateLimits(app: FastifyInstance, deps: RateLimitDeps): Promise<void> {
  const { settings } = deps;
  if (!settings.enabled) return;
  const redis = deps.redisUrl ? await connectRedis(deps.redisUrl, deps.log) : undefined;
  // One store for all buckets; the bucket being checked is handed to keyGenerator and max through this map.
  const checking = new WeakMap<FastifyRequest, Limit>();
  const limitOf = (request: FastifyRequest): Limit => {
    const limit = checking.get(request);
    if (!limit) throw new Error('rate limit checked without a bucket');
    return limit;
  };
  await app.register(rateLimit, {
    global: false,
    timeWindow: WINDOW_MS,
    keyGenerator: (request) => limitOf(request).key,
    max: (request) => limitOf(request).max,
    // Counts fail open: a Redis outage must not take the classroom down.
    skipOnError: true,
    cache: 100_000,
    ...(redis ? { redis, nameSpace: settings.redisPrefix } : {}),
  });
  const count = app.createRateLimit();
  if (redis) {
    app.addHook('onClose', async () => {
      await redis.quit().catch(() => redis.disconnect());
    });
  }

  // preHandler: the body is parsed by now (the course and the action are in it) and authentication hooks have run.
  app.addHook('preHandler', async (request, reply) => {
    let tightest: { limit: Limit; remaining: number; reset: number } | undefined;
    for (const limit of await limitsOf(request, deps)) {
      checking.set(request, limit);
      const result = await count(request);
      if (result.isAllowed || result.max === undefined) continue;
      if (result.isExceeded) {
        setHeaders(reply, limit.max, 0, result.ttlInSeconds);
        throw new AppError(
          'rate_limited',
          `Too many requests: at most ${limit.max} a minute ${limit.what}. Try again in ${result.ttlInSeconds} s.`,
          { retryAfter: result.ttlInSeconds },
        );
      }
      if (!tightest || result.remaining < tightest.remaining) {
        tightest = { limit, remaining: result.remaining, reset: result.ttlInSeconds };
      }
    }
    if (tightest) setHeaders(reply, tightest.limit.max, tightest.remaining, tightest.reset);
  });
}

function setHeaders(reply: FastifyReply, max: number, remaining: number, reset: number): void {
  reply.header('x-ratelimit-limit', max).header('x-ratelimit-remaining', remaining).header('x-ratelimit-reset', reset);
}

/** The buckets a request counts against (none for exempt routes). */
async function limitsOf(request: FastifyRequest, deps: RateLimitDeps): Promise<Limit[]> {
  const route = request.routeOptions.url ?? request.url.split('?')[0] ?? '';
  if (EXEMPT.test(route)) return [];
  const { settings } = deps;
  const ping = (fn: string, course: string, user: string): Limit => ({
    key: bucket('ping', fn, course, user),
    max: settings.pingPerMinute,
    what: `for ${fn} per student`,
  });

  if (hasBearerSecret(request, deps.agentkitSecret)) {
    const calls = functionCalls(request);
    const params = request.params as { courseId?: unknown } | undefined;
    const course = calls[0]?.course ?? text(params?.courseId) ?? '-';
    return [
      { key: bucket('service', course), max: settings.servicePerMinute, what: `for the AgentKit secret in one course` },
      ...calls.filter((call) => PING_FUNCTIONS.has(call.name)).map((call) => ping(call.name, call.course, call.user)),
    ];
  }

  const member = await memberOf(request, deps.tokens);
  if (!member) return [{ key: bucket('ip', request.ip), max: settings.ipPerMinute, what: 'from one address' }];
  const limits: Limit[] = [
    { key: bucket('member', member.courseId, member.userId), max: settings.perMinute, what: 'per signed-in user' },
  ];
  const action = route === '/chatkit' ? widgetAction(request.body) : undefined;
  const fn = action ? PING_ACTIONS[action] : undefined;
  if (fn) limits.push(ping(fn, member.courseId, member.userId));
  return limits;
}

/** A bucket's key; each part escaped, so no id can reach into another's bucket. */
function bucket(kind: string, ...parts: string[]): string {
  return [kind, ...parts.map(encodeURIComponent)].join(':');
}

/** The member a session or ChatKit client secret speaks for (verified: a forged token is counted by address). */
function memberOf(request: FastifyRequest, tokens: TokenService) {
  // The route reads the same identity again: readIdentity verifies each token once per request.
  return readIdentity(request, tokens, ['chatkit', 'session']).catch(() => undefined);
}

/** The function calls a service request makes: `POST /api/agentkit/{name}`, or MCP `tools/call` messages. */
function functionCalls(request: FastifyRequest): Array<{ name: string; course: string; user: string }> {
  const route = request.routeOptions.url ?? '';
  const call = (name: string, args: unknown) => {
    const fields = args && typeof args === 'object' ? (args as Record<string, unknown>) : {};
    return { name, course: text(fields.course_id) ?? '-', user: text(fields.user_id) ?? '-' };
  };
  if (route.startsWith('/api/agentkit/') && !route.includes(':')) {
    return [call(route.slice('/api/agentkit/'.length), request.body)];
  }
  if (route !== '/mcp' || request.method !== 'POST') return [];
  const messages = Array.isArray(request.body) ? request.body : [request.body];
  return messages.flatMap((message) => {
    const { method, params } = (message && typeof message === 'object' ? message : {}) as Record<string, unknown>;
    const { name, arguments: args } = (params && typeof params === 'object' ? params : {}) as Record<string, unknown>;
    return method === 'tools/call' && typeof name === 'string' ? [call(name, args)] : [];
  });
}

/** The widget action type of a ChatKit `threads.custom_action` (or `sync_custom_action`) request. */
function widgetAction(body: unknown): string | undefined {
  const { type, params } = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  if (type !== 'threads.custom_action' && type !== 'threads.sync_custom_action') return undefined;
  const action = (params as { action?: { type?: unknown } } | undefined)?.action;
  return text(action?.type);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value.slice(0, 256) : undefined;
}

/** A Redis connection that fails fast while Redis is away (counts then fail open) and logs only state changes. */
async function connectRedis(url: string, log: Logger): Promise<Redis> {
  // Imported here: ioredis is only needed when REDIS_URL is set.
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { connectTimeout: 2_000, maxRetriesPerRequest: 1, enableOfflineQueue: false });
  let down = false;
  redis.on('error', (err: Error) => {
    if (!down) log.warn({ err: err.message }, 'rate limits: Redis unavailable, not limiting until it is back');
    down = true;
  });
  redis.on('ready', () => {
    if (down) log.info('rate limits: Redis is back');
    down = false;
  });
  return redis;
}
