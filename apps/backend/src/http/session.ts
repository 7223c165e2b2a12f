/**
 * The browser session: a signed token in an HttpOnly cookie (SameSite=None; Secure in production, so it works in an
 * LMS iframe; Lax in development over plain http). Clients that cannot use the cookie send the ChatKit client secret.
 */
import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Identity, TokenKind, TokenService } from '../auth/tokens.js';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';

export const SESSION_COOKIE = 'class_assist_session';

export async function startSession(
  reply: FastifyReply,
  tokens: TokenService,
  config: Config,
  identity: Identity,
): Promise<void> {
  const { token, expiresAt } = await tokens.issue('session', identity);
  const production = config.nodeEnv === 'production';
  reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    path: '/',
    sameSite: production ? 'none' : 'lax',
    secure: production,
    expires: expiresAt,
  });
}

/** The identity of the request: a bearer token of `bearerKind`, else the session cookie; undefined without either. */
export async function readIdentity(
  request: FastifyRequest,
  tokens: TokenService,
  bearerKind: TokenKind = 'chatkit',
): Promise<Identity | undefined> {
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  if (bearer) return tokens.verify(bearerKind, bearer);
  const cookie = request.cookies?.[SESSION_COOKIE];
  return cookie ? tokens.verify('session', cookie) : undefined;
}

export async function requireIdentity(
  request: FastifyRequest,
  tokens: TokenService,
  bearerKind?: TokenKind,
): Promise<Identity> {
  const identity = await readIdentity(request, tokens, bearerKind);
  if (!identity) throw new AppError('unauthorized', 'No session: open Class Assist from your course (LMS) first');
  return identity;
}
