/** The PostgreSQL connection pool and the typed Kysely handle over it. */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import Cursor from 'pg-cursor';
import type { Logger } from 'pino';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;

export interface PoolOptions {
  connectionString: string;
  max: number;
  log: Logger;
}

/**
 * Opens a pool; connection errors (a restarting database) are logged instead of crashing the process, whether the
 * connection was idle in the pool or checked out between two statements of a transaction.
 */
export function createPool({ connectionString, max, log }: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max,
    application_name: 'class-assist',
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  pool.on('error', (err) => log.warn({ err: err.message }, 'idle database connection failed'));
  // pg-pool takes its own error listener off a client while it is checked out: a connection that dies then, between
  // statements, would emit 'error' with no one listening, which ends the process. Its next statement fails instead
  // (a 503), and the pool discards it on release.
  pool.on('connect', (client) => {
    client.on('error', (err) => log.debug({ err: err.message }, 'database connection failed'));
  });
  return pool;
}

export function createDb(pool: pg.Pool): Db {
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool, cursor: Cursor }) });
}

/** Answers true when the database answers a trivial query within `timeoutMs`. */
export async function pingDatabase(pool: pg.Pool, timeoutMs = 2_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const ping = pool.query('SELECT 1').then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([ping, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
