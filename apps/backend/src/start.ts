/**
 * Starts Class Assist: configuration → database (DATABASE_URL, or the embedded PostgreSQL under DATA_DIR) →
 * migrations and demo seed → app → listen. Shuts down in reverse order on SIGINT/SIGTERM. Loaded by main.ts, the
 * entry point, once the heap is set up.
 */
import { buildApp } from './app.js';
import { ConfigError, loadConfig, withDevelopmentSecrets } from './config.js';
import { lockDataDir } from './db/data-dir-lock.js';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './db/embedded-postgres.js';
import { createDb, createPool } from './db/pool.js';
import { prepareDatabase } from './db/prepare-database.js';
import { seedDemoCourse } from './db/seed-demo.js';
import { createLogger } from './logger.js';
import { printBanner } from './startup-banner.js';

/** How long shutdown waits for requests in flight (container platforms kill after 30 s by default). */
const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  const started = performance.now();
  const config = withDevelopmentSecrets(loadConfig());
  const log = createLogger(config);
  const cleanups: Array<() => Promise<void> | void> = [];
  const shutdown = async (code: number) => {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (err) {
        log.error({ err }, 'shutdown step failed');
      }
    }
    process.exit(code);
  };

  try {
    let databaseUrl = config.databaseUrl;
    let embedded: EmbeddedPostgres | undefined;
    if (!databaseUrl) {
      const lock = lockDataDir(config.dataDir);
      cleanups.push(() => lock.release());
      embedded = await startEmbeddedPostgres(config.dataDir, log);
      cleanups.push(() => embedded?.stop());
      databaseUrl = embedded.url;
    }
    // Roles, migrations and the demo seed through the privileged connection (as the owner role); the server itself
    // then runs as the runtime role, which row-level security confines to one course per transaction.
    const { runtimeUrl } = await prepareDatabase({
      privilegedUrl: databaseUrl,
      runtimeUrl: config.databaseRuntimeUrl || undefined,
      sessionSecret: config.sessionSecret,
      log,
      afterMigrate: async (client) => {
        if (await seedDemoCourse(client)) log.info('seeded the demo course (id "demo")');
      },
    });
    if (!runtimeUrl) throw new Error('No runtime database login'); // unreachable: a session secret was given
    const pool = createPool({ connectionString: runtimeUrl, max: config.databasePoolMax, log });
    const db = createDb(pool);
    cleanups.push(async () => {
      await db.destroy(); // ends the pool only if Kysely ever used it
      if (!pool.ending) await pool.end();
    });

    const app = await buildApp({ config, pool, db, log });
    cleanups.push(async () => {
      // Stops accepting, ends live streams, waits for requests in flight; one stuck past the grace period is cut
      // so the database below still stops cleanly before an orchestrator's SIGKILL.
      const deadline = setTimeout(() => app.server.closeAllConnections(), SHUTDOWN_GRACE_MS).unref();
      await app.close();
      clearTimeout(deadline);
    });
    await app.listen({ port: config.port, host: config.host });
    printBanner(config, embedded, performance.now() - started);
    // Every instance works the delivery outbox; a database that is down now only delays it to the first enqueue.
    app.outbox
      .start()
      .catch((err: unknown) => log.warn({ err: (err as Error).message }, 'delivery outbox not started'));
  } catch (err) {
    const message =
      (err as NodeJS.ErrnoException).code === 'EADDRINUSE'
        ? `port ${config.port} is already in use: stop the other server or set PORT`
        : err instanceof Error
          ? err.message
          : String(err);
    log.debug({ err }, 'start failed');
    process.stderr.write(`\nClass Assist could not start: ${message}\n`);
    await shutdown(1);
  }

  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) process.exit(1);
      stopping = true;
      log.info({ signal }, 'shutting down');
      void shutdown(0);
    });
  }
}

void main().catch((err) => {
  process.stderr.write(`Class Assist could not start: ${err instanceof ConfigError ? err.message : err}\n`);
  process.exit(1);
});
