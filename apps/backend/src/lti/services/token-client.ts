/**
 * Access tokens for the LTI Advantage services (1EdTech Security Framework, client credentials grant with a signed
 * JWT client assertion): one POST to the platform's token URL per scope set, cached until shortly before it
 * expires; concurrent requests for the same scopes share one call.
 */
import { randomUUID } from 'node:crypto';
import { AppError } from '../../errors.js';
import { describeErrorBody, networkError } from './service-request.js';
import { DEFAULT_TIMEOUT_MS, type PlatformTokenClient, type ToolSigner } from './types.js';

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Lifetime of a client assertion (seconds). */
const ASSERTION_TTL = 300;
/** A cached token is renewed this many seconds before it expires (at most half its lifetime). */
const RENEW_MARGIN = 60;
/** Lifetime assumed when the platform does not say (seconds). */
const DEFAULT_EXPIRES_IN = 300;

export interface PlatformTokenClientOptions {
  /** The platform's OAuth 2 token URL; also the `aud` of the client assertion. */
  tokenUrl: string;
  /** The tool's client_id at the platform: `iss` and `sub` of the client assertion. */
  clientId: string;
  signer: ToolSigner;
  fetch?: typeof fetch;
  clock?: () => Date;
  /** Milliseconds the platform has to answer (default 10 s). */
  timeoutMs?: number;
}

/** The token endpoint's answer, as read. */
export interface PlatformToken {
  accessToken: string;
  /** The scopes granted (the platform may grant fewer than asked). */
  scope: string[];
  /** When the tool stops using it (ms since epoch): its expiry less the renewal margin. */
  renewAt: number;
}

export function createPlatformTokenClient(options: PlatformTokenClientOptions): PlatformTokenClient {
  const { tokenUrl, clientId, signer } = options;
  const clock = options.clock ?? (() => new Date());
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const cache = new Map<string, PlatformToken>();
  const pending = new Map<string, Promise<PlatformToken>>();

  async function request(scopes: string[]): Promise<PlatformToken> {
    const iat = Math.floor(clock().getTime() / 1000);
    const assertion = await signer.sign(
      { iss: clientId, sub: clientId, aud: tokenUrl, iat, exp: iat + ASSERTION_TTL, jti: randomUUID() },
      { typ: 'JWT' },
    );
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: assertion,
      scope: scopes.join(' '),
    });
    const what = 'the access token request';
    let response: Response;
    let text: string;
    try {
      response = await doFetch(tokenUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: form.toString(),
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
      text = await response.text();
    } catch (err) {
      throw networkError(err, what, timeoutMs);
    }
    if (!response.ok) {
      throw new AppError(
        'bad_gateway',
        `The platform refused ${what} (HTTP ${response.status}${describeErrorBody(text)})`,
      );
    }
    return readToken(text, scopes, clock().getTime());
  }

  return {
    getToken(scopes) {
      const wanted = normaliseScopes(scopes);
      const key = wanted.join(' ');
      const cached = cache.get(key);
      if (cached && clock().getTime() < cached.renewAt) return Promise.resolve(cached.accessToken);
      let inFlight = pending.get(key);
      if (!inFlight) {
        inFlight = request(wanted).then(
          (token) => {
            cache.set(key, token);
            pending.delete(key);
            return token;
          },
          (err: unknown) => {
            pending.delete(key);
            throw err;
          },
        );
        pending.set(key, inFlight);
      }
      return inFlight.then((token) => token.accessToken);
    },
    invalidate(scopes) {
      cache.delete(normaliseScopes(scopes).join(' '));
    },
  };
}

/** Sorted, deduplicated, non-empty scopes: the cache key of a scope set. */
function normaliseScopes(scopes: string[]): string[] {
  const unique = [...new Set(scopes.map((s) => s.trim()).filter(Boolean))].sort();
  if (unique.length === 0) throw new AppError('internal', 'An access token needs at least one scope');
  return unique;
}

function readToken(text: string, asked: string[], now: number): PlatformToken {
  const malformed = (why: string) =>
    new AppError('bad_gateway', `The platform answered the access token request with ${why}`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw malformed('malformed JSON');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw malformed('something other than a JSON object');
  const { access_token, token_type, expires_in, scope } = body as Record<string, unknown>;
  if (typeof access_token !== 'string' || !access_token) throw malformed('no access_token');
  if (token_type !== undefined && (typeof token_type !== 'string' || token_type.toLowerCase() !== 'bearer')) {
    throw malformed(`token_type ${JSON.stringify(token_type)} instead of Bearer`);
  }
  const lifetime = typeof expires_in === 'string' ? Number(expires_in) : expires_in;
  if (lifetime !== undefined && (typeof lifetime !== 'number' || !Number.isFinite(lifetime) || lifetime <= 0)) {
    throw malformed(`an invalid expires_in ${JSON.stringify(expires_in)}`);
  }
  const seconds = lifetime ?? DEFAULT_EXPIRES_IN;
  const margin = Math.min(RENEW_MARGIN, seconds / 2);
  return {
    accessToken: access_token,
    scope: typeof scope === 'string' ? scope.split(/\s+/).filter(Boolean) : asked,
    renewAt: now + (seconds - margin) * 1000,
  };
}
