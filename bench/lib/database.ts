/**
 * The benchmark's own PostgreSQL database: a fresh `ca_bench_<random>` database on DATABASE_URL (dropped at the
 * end), or else the project's embedded PostgreSQL in a temporary folder (removed at the end).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { startEmbeddedPostgres } from '../../apps/backend/src/db/embedded-postgres.js';

export interface BenchDatabase {
  /** Connection string of the benchmark's database. */
  url: string;
  /** `embedded (…)` or `DATABASE_URL`. */
  source: string;
  /** server_version of PostgreSQL. */
  version: string;
  /** Milliseconds it took to have the database ready (for the embedded one: initdb and start). */
  startMs: number;
  drop(): Promise<void>;
}

/** A scratch folder every user can traverse (the embedded PostgreSQL runs as `postgres` when we are root). */
export function makeScratchDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

export async function openBenchDatabase(databaseUrl: string | undefined, scratch: string): Promise<BenchDatabase> {
  const started = performance.now();
  if (databaseUrl) {
    const name = `ca_bench_${randomBytes(5).toString('hex')}`;
    const admin = await connectClient(databaseUrl);
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(databaseUrl);
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      source: 'DATABASE_URL (fresh database, dropped afterwards)',
      version: await serverVersion(url.toString()),
      startMs: performance.now() - started,
      async drop() {
        const client = await connectClient(databaseUrl);
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await client.end();
      },
    };
  }
  const dataDir = path.join(scratch, 'postgres-data');
  const log = pino({ level: 'warn' });
  const embedded = await startEmbeddedPostgres(dataDir, log);
  const url = embedded.url;
  return {
    url,
    source: `embedded PostgreSQL ${embedded.version} in ${dataDir}`,
    version: await serverVersion(url),
    startMs: performance.now() - started,
    async drop() {
      await embedded.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A connected pg.Client whose connection errors outside a query (the database stopping at the end of a run, or on
 * Ctrl-C) are ignored instead of crashing the benchmark; errors of queries still reject them.
 */
export async function connectClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

async function serverVersion(url: string): Promise<string> {
  const client = await connectClient(url);
  const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
  await client.end();
  return rows[0]?.server_version ?? 'unknown';
}
