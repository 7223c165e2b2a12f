/**
 * How long a client may take to send a request, and how big its headers may be: slow and oversized requests are cut
 * off at the socket, before any route runs. (Body sizes are limited per route: `bodyLimit`, 64 KiB by default.)
 */
import type { ServerOptions } from 'node:http';
import type { FastifyServerOptions } from 'fastify';

export interface HttpTimeouts {
  /** The complete headers must arrive within this: a client sending them byte by byte (slowloris) is cut off. */
  headersMs: number;
  /**
   * The whole request, body included (a 10 MiB lecture on a slow link), must arrive within this. Node applies it only
   * until the request is received, never to the response: SSE streams (`/api/live`) and long exports go on.
   */
  requestMs: number;
  /** A connection with no bytes either way for this long is closed (SSE streams send a keepalive every 25 s). */
  idleMs: number;
  /** An idle keep-alive connection between requests is closed after this (above common proxies' 60 s). */
  keepAliveMs: number;
  /** How often Node checks the header and request deadlines (a client is cut off up to this much later). */
  checkIntervalMs: number;
}

export const HTTP_TIMEOUTS: Readonly<HttpTimeouts> = Object.freeze({
  headersMs: 10_000,
  requestMs: 60_000,
  idleMs: 120_000,
  keepAliveMs: 72_000,
  checkIntervalMs: 1_000,
});

/** Request line and headers together: Node's default, stated so it cannot drift. Over it: 431. */
export const MAX_HEADER_BYTES = 16 * 1024;

/** The Node server options (for http and https alike) that enforce the header deadline and size. */
export function nodeServerLimits(timeouts: HttpTimeouts): ServerOptions {
  return {
    headersTimeout: timeouts.headersMs,
    requestTimeout: timeouts.requestMs,
    connectionsCheckingInterval: timeouts.checkIntervalMs,
    maxHeaderSize: MAX_HEADER_BYTES,
  };
}

/** Fastify's own timeout options (it sets them on the server it creates, overriding Node's defaults). */
export function fastifyServerLimits(
  timeouts: HttpTimeouts,
): Pick<FastifyServerOptions, 'connectionTimeout' | 'keepAliveTimeout' | 'requestTimeout'> {
  return {
    connectionTimeout: timeouts.idleMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    requestTimeout: timeouts.requestMs,
  };
}
