/**
 * Security headers (helmet) and CORS (@fastify/cors) for every route.
 *
 * The page is framed by the LMS (LTI launches in an iframe), so framing is governed by CSP `frame-ancestors` from
 * FRAME_ANCESTORS and helmet's `X-Frame-Options` is off: it cannot name several origins, and a browser that honours
 * it over the CSP would refuse the LMS's frame. HSTS and `upgrade-insecure-requests` are sent only when the server
 * is reached over HTTPS (TLS_CERT/TLS_KEY, or a PUBLIC_URL behind a proxy terminating TLS). Pages that need an inline
 * script (the LTI deep-linking and platform-storage pages) set their own, stricter, nonce-based CSP.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';
import type { Config } from '../config.js';

/** Where OpenAI's ChatKit element comes from, allowed only when the page mounts it (CHATKIT_DOMAIN_KEY). */
const CHATKIT_ORIGIN = 'https://cdn.platform.openai.com';

/** The Content-Security-Policy directives of every page (the built frontend, the API docs, LTI error pages). */
export function cspDirectives(config: Config, https: boolean): Record<string, string[]> {
  const chatkit = config.chatkit.domainKey ? [CHATKIT_ORIGIN] : [];
  return {
    'default-src': ["'self'"],
    'base-uri': ["'self'"],
    'object-src': ["'none'"],
    'script-src': ["'self'", ...chatkit],
    'script-src-attr': ["'none'"],
    // React and the chart set style attributes.
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'data:', 'blob:'],
    'font-src': ["'self'", 'data:'],
    'connect-src': ["'self'", ...chatkit],
    'frame-src': ["'self'", ...chatkit],
    'form-action': ["'self'"],
    'frame-ancestors': config.http.frameAncestors,
    ...(https ? { 'upgrade-insecure-requests': [] } : {}),
  };
}

/** Registers helmet and CORS on `app` (before the routes). `https`: the server itself serves TLS. */
export async function registerSecurityHeaders(app: FastifyInstance, config: Config, https: boolean): Promise<void> {
  const secure = https || config.publicUrl.startsWith('https://');
  const headers = helmetHeaders({
    contentSecurityPolicy: { useDefaults: false, directives: cspDirectives(config, secure) },
    frameguard: false,
    hsts: secure ? { maxAge: 180 * 24 * 3600, includeSubDomains: false } : false,
    referrerPolicy: { policy: 'no-referrer' },
    // The LTI launch and login arrive from the LMS in a frame or a new window: keep window relations as they are.
    crossOriginOpenerPolicy: false,
    crossOriginResourcePolicy: { policy: 'same-site' },
  });
  app.addHook('onRequest', (_request, reply, done) => {
    for (const [name, value] of headers.set) reply.raw.setHeader(name, value);
    for (const name of headers.removed) reply.raw.removeHeader(name);
    done();
  });
  // Browsers on other origins may call the API only from CORS_ORIGINS (none by default: same origin only). Calls
  // authenticate with bearer tokens, never cookies, so credentials are not allowed.
  await app.register(cors, {
    origin: config.http.corsOrigins.length > 0 ? config.http.corsOrigins : false,
    methods: ['GET', 'POST', 'PUT', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-request-id', 'mcp-session-id'],
    exposedHeaders: ['retry-after', 'x-request-id', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'],
    credentials: false,
    maxAge: 600,
  });
}

/**
 * The headers helmet sets with `options`, worked out once. They depend on the configuration only, so every response
 * gets the same ones; @fastify/helmet would build helmet's middleware again on each request (parsing the whole
 * Content-Security-Policy each time: measurable on the ping path).
 */
function helmetHeaders(options: HelmetOptions): { set: Array<[string, string]>; removed: string[] } {
  const set: Array<[string, string]> = [];
  const removed: string[] = [];
  const response = {
    setHeader: (name: string, value: unknown) => set.push([name, String(value)]),
    removeHeader: (name: string) => removed.push(name),
  };
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err;
  });
  return { set, removed };
}
