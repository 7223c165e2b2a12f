/**
 * Signed, short-lived tokens (HS256 JWTs, key derived from SESSION_SECRET): the browser session cookie, the ChatKit
 * client secret, export download links and the LTI deep linking picker's choice. Each kind has its own audience, so
 * one can never stand in for another.
 */
import { hkdfSync } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import type { Role } from '../access/actor.js';
import { AppError } from '../errors.js';

export type TokenKind = 'session' | 'chatkit' | 'export' | 'deeplink';

export const TOKEN_LIFETIME_SECONDS: Record<TokenKind, number> = {
  session: 12 * 3600,
  chatkit: 2 * 3600,
  export: 10 * 60,
  /** The deep linking picker: what the response needs, while the instructor chooses. */
  deeplink: 10 * 60,
};

/** Who a token speaks for: one user in one course, with their role. */
export interface Identity {
  userId: string;
  courseId: string;
  courseName: string;
  role: Role;
}

export interface TokenService {
  issue(
    kind: TokenKind,
    identity: Identity,
    extra?: Record<string, string>,
  ): Promise<{ token: string; expiresAt: Date }>;
  /** Throws AppError('unauthorized') for a bad, expired or other-kind token. */
  verify(kind: TokenKind, token: string): Promise<Identity & { extra: Record<string, string> }>;
}

export function createTokenService(sessionSecret: string, clock: () => Date = () => new Date()): TokenService {
  const key = new Uint8Array(hkdfSync('sha256', sessionSecret, 'class-assist', 'token-signing', 32));
  return {
    async issue(kind, identity, extra = {}) {
      const issuedAt = Math.floor(clock().getTime() / 1000);
      const expiresAt = new Date((issuedAt + TOKEN_LIFETIME_SECONDS[kind]) * 1000);
      const token = await new SignJWT({
        course: identity.courseId,
        cn: identity.courseName,
        role: identity.role,
        x: extra,
      })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(identity.userId)
        .setAudience(`class-assist:${kind}`)
        .setIssuedAt(issuedAt)
        .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
        .sign(key);
      return { token, expiresAt };
    },
    async verify(kind, token) {
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: ['HS256'],
          audience: `class-assist:${kind}`,
          currentDate: clock(),
        });
        const { sub, course, cn, role, x } = payload as Record<string, unknown>;
        if (typeof sub !== 'string' || typeof course !== 'string' || (role !== 'student' && role !== 'instructor')) {
          throw new Error('incomplete token');
        }
        return {
          userId: sub,
          courseId: course,
          courseName: typeof cn === 'string' ? cn : course,
          role,
          extra: x && typeof x === 'object' ? (x as Record<string, string>) : {},
        };
      } catch (err) {
        const expired = err instanceof errors.JWTExpired;
        throw new AppError(
          'unauthorized',
          expired ? 'The session has expired: open Class Assist again' : 'Invalid session token',
        );
      }
    },
  };
}
