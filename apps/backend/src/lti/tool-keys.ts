/**
 * The tool's RSA key pairs (RS256): generated on first use, kept in lti_keys with the private key encrypted
 * (AES-256-GCM, key derived from SESSION_SECRET with HKDF, the kid as additional data), published at /lti/jwks.
 * A rotation retires the active key; a retired key stays published for the grace period so tokens signed just
 * before the rotation still verify.
 */
import { calculateJwkThumbprint, exportJWK, exportPKCS8, generateKeyPair, importPKCS8, type JWK, SignJWT } from 'jose';
import { sql } from 'kysely';
import { deriveKey, open, seal } from '../auth/secret-box.js';
import type { Db } from '../db/pool.js';
import { fromDatabaseError } from '../errors.js';
import type { ToolSigner } from './services/types.js';

export type { ToolSigner };

export interface ToolKeys {
  /** Creates the first key pair when there is none (safe with several instances starting at once). */
  ensureKey(): Promise<void>;
  /** The published key set: the active public key and the retired ones still within the grace period. */
  jwks(): Promise<{ keys: JWK[] }>;
  /** Retires the active key and creates a new one; returns the new kid. */
  rotate(): Promise<string>;
  getToolSigner(): Promise<ToolSigner>;
}

const KEY_LOCK_ID = 7_411_520_013;

export function encryptionKey(sessionSecret: string): Buffer {
  return deriveKey(sessionSecret, 'lti-private-key-encryption');
}

/** The private key sealed with the kid as additional authenticated data (auth/secret-box.ts). */
export function encryptPrivateKey(key: Buffer, kid: string, pem: string): string {
  return seal(key, kid, pem);
}

export function decryptPrivateKey(key: Buffer, kid: string, sealed: string): string {
  return open(key, kid, sealed, `LTI key ${kid}`);
}

async function newKeyPair(key: Buffer): Promise<{ kid: string; publicJwk: JWK; sealed: string }> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  const publicJwk: JWK = { kty: jwk.kty, n: jwk.n, e: jwk.e, kid, alg: 'RS256', use: 'sig' };
  return { kid, publicJwk, sealed: encryptPrivateKey(key, kid, await exportPKCS8(privateKey)) };
}

export function createToolKeys(options: {
  db: Db;
  sessionSecret: string;
  graceDays: number;
  clock?: () => Date;
}): ToolKeys {
  const { db, graceDays } = options;
  const clock = options.clock ?? (() => new Date());
  const key = encryptionKey(options.sessionSecret);
  let cachedSigner: { kid: string; signer: ToolSigner } | undefined;

  async function guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      throw fromDatabaseError(err);
    }
  }

  async function createKey(retireActive: boolean): Promise<string> {
    const pair = await newKeyPair(key);
    return guard(() =>
      db.transaction().execute(async (tx) => {
        await sql`SELECT pg_advisory_xact_lock(${KEY_LOCK_ID})`.execute(tx);
        const active = await tx.selectFrom('lti_keys').select('kid').where('retired_at', 'is', null).executeTakeFirst();
        if (active && !retireActive) return active.kid;
        if (active)
          await tx.updateTable('lti_keys').set({ retired_at: clock() }).where('kid', '=', active.kid).execute();
        await tx
          .insertInto('lti_keys')
          .values({
            kid: pair.kid,
            public_jwk: JSON.stringify(pair.publicJwk),
            private_key_encrypted: pair.sealed,
            created_at: clock(),
          })
          .execute();
        return pair.kid;
      }),
    );
  }

  async function activeKey() {
    const row = await guard(() =>
      db
        .selectFrom('lti_keys')
        .select(['kid', 'private_key_encrypted'])
        .where('retired_at', 'is', null)
        .executeTakeFirst(),
    );
    if (row) return row;
    await createKey(false);
    return activeKey();
  }

  return {
    async ensureKey() {
      await activeKey();
    },
    async jwks() {
      await activeKey();
      const since = new Date(clock().getTime() - graceDays * 86_400_000);
      const rows = await guard(() =>
        db
          .selectFrom('lti_keys')
          .select(['public_jwk'])
          .where((eb) => eb.or([eb('retired_at', 'is', null), eb('retired_at', '>', since)]))
          .orderBy(sql`retired_at DESC NULLS FIRST`)
          .execute(),
      );
      return { keys: rows.map((row) => row.public_jwk as JWK) };
    },
    async rotate() {
      cachedSigner = undefined;
      return createKey(true);
    },
    async getToolSigner() {
      const row = await activeKey();
      if (cachedSigner?.kid === row.kid) return cachedSigner.signer;
      const privateKey = await importPKCS8(decryptPrivateKey(key, row.kid, row.private_key_encrypted), 'RS256');
      const signer: ToolSigner = {
        kid: row.kid,
        sign: (payload, header = {}) =>
          new SignJWT(payload)
            .setProtectedHeader({ alg: 'RS256', kid: row.kid, typ: header.typ ?? 'JWT' })
            .sign(privateKey),
      };
      cachedSigner = { kid: row.kid, signer };
      return signer;
    },
  };
}
