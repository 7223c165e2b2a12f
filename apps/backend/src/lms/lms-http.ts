/**
 * The request helper both LMS clients use: global `fetch` with a per-attempt timeout, a `User-Agent` (Canvas
 * refuses requests without one), retries with exponential backoff and jitter on network errors, timeouts, 429,
 * 5xx and Canvas's `403 Forbidden (Rate Limit Exceeded)` (honouring `Retry-After`), and requests made with the
 * same token run one at a time, which is what Canvas's throttling asks of API clients.
 *
 * It returns every other answer (2xx, and 4xx for the client to explain with `statusError`) and throws an
 * `LmsError` when retries run out. Log lines (debug, one per attempt) carry the method, host, path, status and
 * duration: never the query string, the body or a header, so neither Canvas's bearer token nor Moodle's
 * `wstoken` can reach a log.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import backendPackage from '../../package.json' with { type: 'json' };
import { LmsError } from './lms-error.js';

export type LmsName = 'Canvas' | 'Moodle';

/** Retry and timeout settings; tests pass tiny delays. */
export interface RetryOptions {
  /** Retries after the first attempt. */
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Per attempt, including reading the body. */
  timeoutMs: number;
  /** A `Retry-After` longer than this is not waited for: the error is thrown with `retryAfterMs` instead. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_OPTIONS: Readonly<RetryOptions> = Object.freeze({
  retries: 4,
  baseDelayMs: 500,
  maxDelayMs: 10_000,
  timeoutMs: 15_000,
  maxRetryAfterMs: 60_000,
});

/** Where the `User-Agent` points when no public URL is configured. */
export const PROJECT_URL = 'https://github.com/class-assist/class-assist';

export const CLASS_ASSIST_VERSION: string = backendPackage.version;

export interface LmsHttpOptions {
  lms: LmsName;
  /** Only used to serialise requests per token (hashed) and to redact it from error messages. */
  token: string;
  log?: Logger;
  http?: Partial<RetryOptions>;
  /** Our public URL, named in the `User-Agent` so LMS admins can find us. */
  publicUrl?: string;
  /** Turns an error body into a short human-readable detail (e.g. Canvas's `errors[].message`). */
  describeError?: (text: string) => string;
}

export interface LmsRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: URLSearchParams | { json: unknown };
  /** Names the operation in log lines, e.g. a Moodle `wsfunction`. */
  op?: string;
  /** Also retry an otherwise final answer when this says so (e.g. a transient Moodle exception sent with 200). */
  retryIf?: (response: LmsResponse) => boolean;
}

export interface LmsResponse {
  status: number;
  headers: Headers;
  text: string;
}

export interface LmsHttp {
  /** Sends the request (retrying transient failures); returns any answer that is not retried, throws LmsError. */
  request(request: LmsRequest): Promise<LmsResponse>;
}

type Attempt = { ok: true; response: LmsResponse } | { ok: false; error: unknown };

/** A failed attempt worth retrying, and what to throw if it is the last. */
interface Transient {
  failure: LmsError;
  retryAfterMs?: number;
  /** When set, the final answer is returned rather than thrown (the caller explains it). */
  returnLast?: LmsResponse;
}

export function createLmsHttp(options: LmsHttpOptions): LmsHttp {
  const settings: RetryOptions = { ...DEFAULT_RETRY_OPTIONS, ...options.http };
  const userAgent = `ClassAssist/${CLASS_ASSIST_VERSION} (+${options.publicUrl ?? PROJECT_URL})`;
  const key = tokenKey(options.token);
  const describe = options.describeError ?? excerpt;

  async function attempt(request: LmsRequest): Promise<Attempt> {
    const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': userAgent, ...request.headers };
    let body: string | URLSearchParams | undefined;
    if (request.body instanceof URLSearchParams) body = request.body;
    else if (request.body) {
      body = JSON.stringify(request.body.json);
      headers['Content-Type'] = 'application/json';
    }
    try {
      const response = await fetch(request.url, {
        method: request.method,
        headers,
        ...(body === undefined ? {} : { body }),
        redirect: 'manual',
        signal: AbortSignal.timeout(settings.timeoutMs),
      });
      return {
        ok: true,
        response: { status: response.status, headers: response.headers, text: await response.text() },
      };
    } catch (error) {
      return { ok: false, error };
    }
  }

  function networkProblem(request: LmsRequest, error: unknown, tries: number): Transient {
    const reason = networkReason(error, settings.timeoutMs);
    const message = `${options.lms} ${reason} (${describeRequest(request)}, ${tries} attempts)`;
    return { failure: new LmsError('unavailable', message, { cause: error, redact: [options.token] }) };
  }

  /** Why this answer should be retried, if it should. */
  function answerProblem(request: LmsRequest, response: LmsResponse, tries: number): Transient | undefined {
    const where = describeRequest(request);
    const redact = [options.token];
    const { status, text, headers } = response;
    const retryAfterMs = parseRetryAfter(headers.get('retry-after'));
    const after = retryAfterMs === undefined ? {} : { retryAfterMs };
    if (status === 429 || (status === 403 && /rate limit exceeded/i.test(text))) {
      const message = `${options.lms} is rate limiting our requests (${status}) (${where}, ${tries} attempts)`;
      return { failure: new LmsError('rate_limited', message, { status, redact, ...after }), ...after };
    }
    if (status >= 500) {
      const message = `${options.lms} is unavailable (${status})${detail(describe(text))} (${where}, ${tries} attempts)`;
      return { failure: new LmsError('unavailable', message, { status, redact, ...after }), ...after };
    }
    if (status >= 300 && status < 400) {
      const message = `${options.lms} redirected ${where} to ${headers.get('location') ?? 'elsewhere'}: check its base URL`;
      throw new LmsError('protocol', message, { status, redact });
    }
    if (request.retryIf?.(response)) {
      const failure = new LmsError('unavailable', `${options.lms} answered with a transient error`, { status });
      return { failure, returnLast: response };
    }
    return undefined;
  }

  function delayBefore(retry: number, retryAfterMs: number | undefined): number | undefined {
    const exponential = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** retry);
    const jittered = exponential / 2 + (Math.random() * exponential) / 2;
    if (retryAfterMs === undefined) return jittered;
    if (retryAfterMs > settings.maxRetryAfterMs) return undefined;
    return Math.max(retryAfterMs, jittered);
  }

  async function send(request: LmsRequest): Promise<LmsResponse> {
    for (let tries = 1; ; tries += 1) {
      const started = performance.now();
      const result = await attempt(request);
      logAttempt(options, request, result, tries, performance.now() - started);
      let problem: Transient;
      if (result.ok) {
        const answer = answerProblem(request, result.response, tries);
        if (!answer) return result.response;
        problem = answer;
      } else problem = networkProblem(request, result.error, tries);
      const wait = tries > settings.retries ? undefined : delayBefore(tries - 1, problem.retryAfterMs);
      if (wait === undefined) {
        if (problem.returnLast) return problem.returnLast;
        throw problem.failure;
      }
      await sleep(wait);
    }
  }

  return { request: (request) => serialised(key, () => send(request)) };
}

/** One message for a final 4xx answer: what the LMS refused, with its own explanation. */
export function statusError(lms: LmsName, status: number, detailText: string, where: string, token: string): LmsError {
  const suffix = `${detail(detailText)} (${where})`;
  const redact = [token];
  if (status === 401) return new LmsError('auth', `${lms} refused the token (401)${suffix}`, { status, redact });
  if (status === 403) return new LmsError('permission', `${lms} denied permission (403)${suffix}`, { status, redact });
  if (status === 404)
    return new LmsError('not_found', `${lms} found no such resource (404)${suffix}`, { status, redact });
  if (status === 400 || status === 422) {
    return new LmsError('invalid', `${lms} rejected the request (${status})${suffix}`, { status, redact });
  }
  return new LmsError('protocol', `${lms} answered with an unexpected status ${status}${suffix}`, { status, redact });
}

/** `METHOD /path` of a request, without its query string. */
export function describeRequest(request: Pick<LmsRequest, 'method' | 'url' | 'op'>): string {
  const path = safePath(request.url);
  return request.op ? `${request.method} ${path} ${request.op}` : `${request.method} ${path}`;
}

/** A short, single-line excerpt of a body that is not a known error shape. */
export function excerpt(text: string): string {
  const trimmed = text.trim();
  if (trimmed.startsWith('<')) return 'an HTML page';
  return trimmed.replace(/\s+/g, ' ').slice(0, 200);
}

function detail(text: string): string {
  return text ? `: ${text}` : '';
}

function safePath(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return '(invalid URL)';
  }
}

function logAttempt(options: LmsHttpOptions, request: LmsRequest, result: Attempt, attempt: number, ms: number): void {
  if (!options.log?.isLevelEnabled('debug')) return;
  let host = '';
  try {
    host = new URL(request.url).host;
  } catch {
    // Logged without a host.
  }
  const line = {
    lms: options.lms,
    method: request.method,
    host,
    path: safePath(request.url),
    ...(request.op ? { op: request.op } : {}),
    status: result.ok ? result.response.status : null,
    ...(result.ok ? {} : { error: networkReason(result.error, undefined) }),
    attempt,
    ms: Math.round(ms),
  };
  options.log.debug(line, `${options.lms} request`);
}

function networkReason(error: unknown, timeoutMs: number | undefined): string {
  const name = (error as { name?: string }).name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return timeoutMs ? `did not answer within ${timeoutMs / 1000} s` : 'did not answer in time';
  }
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const reason = cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
  return `could not be reached: ${reason}`;
}

function parseRetryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header.trim());
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** The tail of the promise chain per token hash; module-wide so two clients with one token still take turns. */
const chains = new Map<string, Promise<void>>();

function serialised<T>(key: string, task: () => Promise<T>): Promise<T> {
  const previous = chains.get(key) ?? Promise.resolve();
  const run = previous.then(task);
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  chains.set(key, tail);
  void tail.then(() => {
    if (chains.get(key) === tail) chains.delete(key);
  });
  return run;
}

/** A short hash of the token: the chain key, so the token itself is never a key anything could print. */
function tokenKey(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 16);
}
