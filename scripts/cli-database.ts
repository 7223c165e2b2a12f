/**
 * The database of a command-line tool: DATABASE_URL, else the embedded database under DATA_DIR — only while no server
 * runs on it (the data-dir lock says so, and the message names what to use instead). Migrated before use.
 */
import pino from 'pino';
import { type Config, loadConfig, withDevelopmentSecrets } from '../apps/backend/src/config.js';
import { DataDirBusyError, lockDataDir } from '../apps/backend/src/db/data-dir-lock.js';
import { startEmbeddedPostgres } from '../apps/backend/src/db/embedded-postgres.js';
import { createDb, createPool, type Db } from '../apps/backend/src/db/pool.js';
import { prepareDatabase } from '../apps/backend/src/db/prepare-database.js';

export interface CliDatabase {
  config: Config;
  db: Db;
  pool: ReturnType<typeof createPool>;
  /** Closes the pool, then stops the embedded database and releases DATA_DIR. */
  close(): Promise<void>;
}

/** `whenBusy`: what to use instead while a server holds the embedded database (e.g. its admin API). */
export async function openCliDatabase(whenBusy: string): Promise<CliDatabase> {
  const config = withDevelopmentSecrets(loadConfig());
  const log = pino({ level: 'warn' });
  const cleanups: Array<() => unknown> = [];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    let url = config.databaseUrl;
    if (!url) {
      try {
        const lock = lockDataDir(config.dataDir);
        cleanups.push(() => lock.release());
      } catch (err) {
        if (!(err instanceof DataDirBusyError)) throw err;
        throw new Error(
          `A Class Assist server is running on the embedded database in ${config.dataDir}: stop it, or use ${whenBusy} ` +
            'of the running server, or set DATABASE_URL',
        );
      }
      const embedded = await startEmbeddedPostgres(config.dataDir, log);
      cleanups.push(() => embedded.stop());
      url = embedded.url;
    }
    const pool = createPool({ connectionString: url, max: 2, log });
    const db = createDb(pool);
    cleanups.push(async () => {
      await db.destroy();
      if (!pool.ending) await pool.end();
    });
    // Roles and migrations as the server makes them; the tool itself keeps the privileged connection (an operator's
    // tool that may work across courses, e.g. retention), so row-level security does not apply to it.
    await prepareDatabase({ privilegedUrl: url, runtimeUrl: config.databaseRuntimeUrl || undefined, log });
    return { config, db, pool, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Runs a command's `main` and exits with its code; an error becomes one line on stderr and exit code 1. */
export function runCli(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`${name}: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
