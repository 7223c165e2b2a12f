/** SQL for LTI platform registrations (table lti_platforms, key (issuer, client_id)). */
import type { Db } from '../db/pool.js';
import { fromDatabaseError } from '../errors.js';
import type { PlatformRegistration } from './registrations.js';

const COLUMNS = ['issuer', 'client_id', 'auth_login_url', 'auth_token_url', 'jwks_url', 'deployment_ids'] as const;

async function guard<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    throw fromDatabaseError(err);
  }
}

export function createRegistrationsRepository(db: Db) {
  return {
    /** Inserts the registration or replaces the one with the same issuer and client_id. */
    async upsert(registration: PlatformRegistration): Promise<void> {
      await guard(
        db
          .insertInto('lti_platforms')
          .values({ ...registration })
          .onConflict((oc) =>
            oc.columns(['issuer', 'client_id']).doUpdateSet({
              auth_login_url: registration.auth_login_url,
              auth_token_url: registration.auth_token_url,
              jwks_url: registration.jwks_url,
              deployment_ids: registration.deployment_ids,
              updated_at: new Date(),
            }),
          )
          .execute(),
      );
    },

    async list(): Promise<PlatformRegistration[]> {
      return guard(db.selectFrom('lti_platforms').select(COLUMNS).orderBy('issuer').orderBy('client_id').execute());
    },

    /** The registrations of an issuer (optionally of one client_id). */
    async find(issuer: string, clientId?: string): Promise<PlatformRegistration[]> {
      let query = db.selectFrom('lti_platforms').select(COLUMNS).where('issuer', '=', issuer);
      if (clientId !== undefined) query = query.where('client_id', '=', clientId);
      return guard(query.orderBy('client_id').execute());
    },

    /** Returns whether a registration was removed. */
    async remove(issuer: string, clientId: string): Promise<boolean> {
      const result = await guard(
        db
          .deleteFrom('lti_platforms')
          .where('issuer', '=', issuer)
          .where('client_id', '=', clientId)
          .executeTakeFirst(),
      );
      return Number(result.numDeletedRows) > 0;
    },
  };
}

export type RegistrationsRepository = ReturnType<typeof createRegistrationsRepository>;
