/**
 * Versioned SQL migrations: `migrations/NNNN_name.sql`, applied in order, each in its own transaction, recorded in
 * `schema_migrations` with a checksum. An advisory lock serialises instances that start at the same time.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');
/** Arbitrary constant identifying Class Assist's schema lock. */
export const SCHEMA_LOCK_ID = 7_411_520_001;

interface Migration {
  version: string;
  sql: string;
  checksum: string;
}

function readMigrations(): Migration[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((file) => /^\d{4}_[\w-]+\.sql$/.test(file))
    .sort()
    .map((file) => {
      const sql = readFileSync(path.join(MIGRATIONS_DIR, file), 'utf8');
      return { version: file.replace(/\.sql$/, ''), sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

/**
 * Applies the pending migrations and then runs `afterMigrate` (the demo seed) while still holding the schema lock;
 * with `asRole`, all of it as that role (`SET ROLE`, see roles.ts). Returns the versions applied now.
 */
export async function migrate(
  pool: pg.Pool,
  afterMigrate?: (client: pg.PoolClient) => Promise<void>,
  asRole?: string,
): Promise<string[]> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [SCHEMA_LOCK_ID]);
    if (asRole) await client.query(`SET ROLE ${client.escapeIdentifier(asRole)}`);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ version: string; checksum: string }>(
      'SELECT version, checksum FROM schema_migrations',
    );
    const applied = new Map(rows.map((row) => [row.version, row.checksum]));
    const done: string[] = [];
    for (const migration of readMigrations()) {
      const checksum = applied.get(migration.version);
      if (checksum !== undefined) {
        if (checksum !== migration.checksum) {
          throw new Error(
            `Migration ${migration.version} was changed after it was applied; add a new migration instead`,
          );
        }
        continue;
      }
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (version, checksum) VALUES ($1, $2)', [
          migration.version,
          migration.checksum,
        ]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`Migration ${migration.version} failed: ${(err as Error).message}`);
      }
      done.push(migration.version);
    }
    if (afterMigrate) await afterMigrate(client);
    return done;
  } finally {
    await client.query('RESET ROLE').catch(() => undefined);
    await client.query('SELECT pg_advisory_unlock($1)', [SCHEMA_LOCK_ID]).catch(() => undefined);
    client.release();
  }
}
