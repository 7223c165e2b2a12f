/** Bearer authentication with the AgentKit secret, compared in constant time. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** True when the request's bearer token is `secret` (compared in constant time). */
export function hasBearerSecret(request: FastifyRequest, secret: string): boolean {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(request.headers.authorization ?? '');
  return Boolean(match?.[1]) && timingSafeEqual(digest(match?.[1] ?? ''), digest(secret));
}

/** Builds an onRequest hook that refuses requests without `Authorization: Bearer <secret>`. */
export function requireBearer(secret: string) {
  const expected = digest(secret);
  return async function checkBearer(request: FastifyRequest): Promise<void> {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    // Hashing first makes the comparison constant-time whatever the presented token's length.
    if (!match?.[1] || !timingSafeEqual(digest(match[1]), expected)) {
      throw new AppError(
        'unauthorized',
        'Missing or invalid bearer token: send Authorization: Bearer <AGENTKIT_SECRET>',
      );
    }
  };
}

/** The request's media type, lower-case, without parameters (`application/json; charset=utf-8` → `application/json`). */
export function mediaType(request: FastifyRequest): string {
  return (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** onRequest hook: the body must be JSON (checked before it is read, so nothing else is parsed). */
export async function requireJsonBody(request: FastifyRequest): Promise<void> {
  if (mediaType(request) !== 'application/json') {
    throw new AppError('unsupported_media_type', 'The body must be JSON: send Content-Type: application/json');
  }
}
