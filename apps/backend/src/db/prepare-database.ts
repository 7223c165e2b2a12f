/**
 * From one privileged connection (the embedded PostgreSQL's superuser, a fresh server's, or a managed database's
 * administrator) to a database the server can run on: the roles (roles.ts), the migrations and pg-boss's schema as the
 * owner, the runtime role's privileges. Answers the connection string the server's pool should use.
 */
import pg from 'pg';
import type { Logger } from 'pino';
import { migrate } from './migrate.js';
import { installOutboxSchema } from './outbox-schema.js';
import { ensureRoles, grantRuntime, OWNER_ROLE, RUNTIME_ROLE, runtimeRolePassword, withRole } from './roles.js';

export interface PrepareOptions {
  /** The privileged connection (DATABASE_URL, or the embedded PostgreSQL's superuser). */
  privilegedUrl: string;
  /** DATABASE_RUNTIME_URL: the operator made the roles and gives the runtime login; none is created then. */
  runtimeUrl?: string;
  /**
   * Derives the runtime role's password (roles.ts) and sets it. Without it (command-line tools, which keep the
   * privileged connection) the runtime role's login is left as it is and no runtime URL is answered.
   */
  sessionSecret?: string;
  log: Logger;
  /** Runs as the owner after migrating, under the schema lock (the demo seed). */
  afterMigrate?: (client: pg.PoolClient) => Promise<void>;
}

export interface PreparedDatabase {
  /** Versions of the migrations applied now. */
  applied: string[];
  /** Where the server's runtime pool connects: as `class_assist_app`. */
  runtimeUrl: string | undefined;
}

/** Idempotent; instances starting together serialise on the migrations' lock. */
export async function prepareDatabase(options: PrepareOptions): Promise<PreparedDatabase> {
  const password =
    options.runtimeUrl || options.sessionSecret === undefined ? undefined : runtimeRolePassword(options.sessionSecret);
  const pool = new pg.Pool({ connectionString: options.privilegedUrl, max: 1, application_name: 'class-assist-setup' });
  pool.on('error', (err) => options.log.warn({ err: err.message }, 'idle setup connection failed'));
  try {
    const client = await pool.connect();
    try {
      await ensureRoles(client, password);
    } catch (err) {
      throw new Error(
        `The database user of DATABASE_URL could not set up the roles ${OWNER_ROLE} and ${RUNTIME_ROLE} ` +
          `(${(err as Error).message}). Connect as a superuser or a user with CREATEROLE, or create the roles as an ` +
          'administrator with the SQL in docs/deploy.md ("Database roles") and set DATABASE_RUNTIME_URL.',
      );
    } finally {
      client.release();
    }
    const applied = await migrate(
      pool,
      async (client) => {
        await installOutboxSchema(client);
        await grantRuntime(client);
        await options.afterMigrate?.(client);
      },
      OWNER_ROLE,
    );
    if (applied.length > 0) options.log.info({ applied }, 'applied migrations');
    return {
      applied,
      runtimeUrl:
        options.runtimeUrl ??
        (password === undefined ? undefined : withRole(options.privilegedUrl, RUNTIME_ROLE, password)),
    };
  } finally {
    await pool.end();
  }
}
