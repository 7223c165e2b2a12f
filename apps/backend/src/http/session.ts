/**
 * The browser session: a signed token in an HttpOnly cookie (SameSite=None; Secure in production, so it works in an
 * LMS iframe; Lax in development over plain http). A launch also hands the token to the page (`/#session=<token>`),
 * which keeps it per tab and sends it as a bearer token: several people can use one browser, and an iframe whose
 * cookies are blocked still works. Clients of the ChatKit protocol send the ChatKit client secret.
 */
import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Actor, SERVICE_ACTOR } from '../access/actor.js';
import type { Identity, TokenKind, TokenService } from '../auth/tokens.js';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import { hasBearerSecret } from './auth.js';

export const SESSION_COOKIE = 'class_assist_session';

/** Sets the session cookie and returns the session token. */
export async function startSession(
  reply: FastifyReply,
  tokens: TokenService,
  config: Config,
  identity: Identity,
): Promise<string> {
  const { token, expiresAt } = await tokens.issue('session', identity);
  const production = config.nodeEnv === 'production';
  reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    path: '/',
    sameSite: production ? 'none' : 'lax',
    secure: production,
    expires: expiresAt,
  });
  return token;
}

/** The request's bearer token, if any. */
export function bearerToken(request: FastifyRequest): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
}

/** One of our signed tokens (a JWT), as opposed to the AgentKit secret. */
export function isSignedToken(token: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token);
}

/** Verifications made for a request so far: the rate limiter and the route check the same token once. */
const verified = new WeakMap<FastifyRequest, Map<string, ReturnType<TokenService['verify']>>>();

function verifyOnce(request: FastifyRequest, tokens: TokenService, kind: TokenKind, token: string) {
  let made = verified.get(request);
  if (!made) {
    made = new Map();
    verified.set(request, made);
  }
  const key = `${kind} ${token}`;
  let result = made.get(key);
  if (!result) {
    result = tokens.verify(kind, token);
    made.set(key, result);
  }
  return result;
}

/**
 * The identity of the request: a bearer token of one of `bearerKinds`, else the session cookie; undefined without
 * either. A bearer token that is present but invalid is refused, never silently replaced by the cookie.
 */
export async function readIdentity(
  request: FastifyRequest,
  tokens: TokenService,
  bearerKinds: TokenKind[],
): Promise<Identity | undefined> {
  const bearer = bearerToken(request);
  if (bearer) {
    let refusal: unknown;
    for (const kind of bearerKinds) {
      try {
        return await verifyOnce(request, tokens, kind, bearer);
      } catch (err) {
        refusal = err;
      }
    }
    throw refusal;
  }
  const cookie = request.cookies?.[SESSION_COOKIE];
  return cookie ? verifyOnce(request, tokens, 'session', cookie) : undefined;
}

export async function requireIdentity(
  request: FastifyRequest,
  tokens: TokenService,
  bearerKinds: TokenKind[],
): Promise<Identity> {
  const identity = await readIdentity(request, tokens, bearerKinds);
  if (!identity) throw new AppError('unauthorized', 'No session: open Class Assist from your course (LMS) first');
  return identity;
}

/**
 * Who calls an endpoint open to the service and to members: the AgentKit secret as bearer is the service; otherwise
 * a session (its token as bearer, or the cookie) is required. `what` completes the 401 message ("import material").
 */
export async function serviceOrMember(
  request: FastifyRequest,
  tokens: TokenService,
  agentkitSecret: string,
  what: string,
): Promise<Actor> {
  if (hasBearerSecret(request, agentkitSecret)) return SERVICE_ACTOR;
  const identity = await readIdentity(request, tokens, ['session']);
  if (!identity) {
    throw new AppError(
      'unauthorized',
      `Send Authorization: Bearer <AGENTKIT_SECRET>, or ${what} from an instructor session of the course`,
    );
  }
  return { kind: 'member', userId: identity.userId, courseId: identity.courseId, role: identity.role };
}
