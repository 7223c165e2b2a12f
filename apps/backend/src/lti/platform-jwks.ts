/**
 * Platform key sets: one jose remote JWK set per JWKS URL, cached, and fetched again when a token names an unknown
 * kid (after a short cooldown, so unknown kids cannot make us hammer the platform).
 */
import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';

export interface PlatformJwks {
  get(jwksUrl: string): JWTVerifyGetKey;
}

export function createPlatformJwks(options: { cooldownMs?: number; cacheMaxAgeMs?: number } = {}): PlatformJwks {
  const sets = new Map<string, JWTVerifyGetKey>();
  return {
    get(jwksUrl) {
      let set = sets.get(jwksUrl);
      if (!set) {
        set = createRemoteJWKSet(new URL(jwksUrl), {
          cooldownDuration: options.cooldownMs ?? 30_000,
          cacheMaxAge: options.cacheMaxAgeMs ?? 10 * 60_000,
          timeoutDuration: 5_000,
        });
        sets.set(jwksUrl, set);
      }
      return set;
    },
  };
}
