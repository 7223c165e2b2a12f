/**
 * One authorised request to an LTI Advantage service: a bearer token from the token client, a timeout, one retry
 * with a fresh token when the platform answers 401, and every failure (network, timeout, HTTP error, malformed
 * JSON) turned into an AppError 'bad_gateway' naming the service and what the platform said.
 */
import { AppError } from '../../errors.js';
import { DEFAULT_TIMEOUT_MS, type ServiceDeps } from './types.js';

export interface ServiceRequest {
  /** Names the call in error messages, e.g. "the membership request". */
  what: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  scopes: string[];
  accept: string;
  contentType?: string;
  body?: unknown;
}

export interface ServiceResponse {
  status: number;
  headers: Headers;
  /** The parsed JSON body; undefined for an empty body. */
  json: unknown;
}

export async function serviceRequest(deps: ServiceDeps, request: ServiceRequest): Promise<ServiceResponse> {
  let response = await send(deps, request, await deps.tokens.getToken(request.scopes));
  if (response.status === 401) {
    // The cached token may have been revoked or expired early: try once more with a fresh one.
    await response.body?.cancel();
    deps.tokens.invalidate(request.scopes);
    response = await send(deps, request, await deps.tokens.getToken(request.scopes));
  }
  const text = await readText(response, request.what);
  if (!response.ok) {
    throw new AppError(
      'bad_gateway',
      `The platform refused ${request.what} (HTTP ${response.status}${describeErrorBody(text)})`,
    );
  }
  let json: unknown;
  if (text.trim()) {
    try {
      json = JSON.parse(text);
    } catch {
      throw new AppError('bad_gateway', `The platform answered ${request.what} with malformed JSON`);
    }
  }
  return { status: response.status, headers: response.headers, json };
}

async function send(deps: ServiceDeps, request: ServiceRequest, token: string): Promise<Response> {
  const timeoutMs = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: request.accept };
  if (request.contentType) headers['Content-Type'] = request.contentType;
  try {
    return await (deps.fetch ?? fetch)(request.url, {
      method: request.method,
      headers,
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
  } catch (err) {
    throw networkError(err, request.what, timeoutMs);
  }
}

async function readText(response: Response, what: string): Promise<string> {
  try {
    return await response.text();
  } catch (err) {
    throw networkError(err, what, undefined);
  }
}

/** A fetch failure as an AppError: a timeout says so; anything else names its cause. */
export function networkError(err: unknown, what: string, timeoutMs: number | undefined): AppError {
  if (err instanceof AppError) return err;
  const name = (err as { name?: string }).name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new AppError(
      'bad_gateway',
      `The platform did not answer ${what}${timeoutMs ? ` within ${timeoutMs / 1000} s` : ' in time'}`,
    );
  }
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const reason = cause?.code ?? cause?.message ?? (err as Error).message ?? String(err);
  return new AppError('bad_gateway', `The platform could not be reached for ${what}: ${reason}`);
}

/** `: error: description` from an OAuth-style or LMS-style JSON error body, else a short excerpt of the text. */
export function describeErrorBody(text: string): string {
  const trimmed = text.trim();
  if (!trimmed) return '';
  try {
    const body = JSON.parse(trimmed) as Record<string, unknown>;
    if (body && typeof body === 'object') {
      const parts = [body.error, body.error_description ?? body.message ?? body.errorcode]
        .map((p) => (typeof p === 'string' ? p : undefined))
        .filter(Boolean);
      if (parts.length > 0) return `: ${parts.join(': ')}`;
    }
  } catch {
    // Not JSON: fall through to the excerpt.
  }
  const excerpt = trimmed.replace(/\s+/g, ' ').slice(0, 200);
  return `: ${excerpt}`;
}
