/**
 * Once per `npm test`: find a PostgreSQL (TEST_DATABASE_URL, DATABASE_URL, or an embedded one in a temporary
 * folder), create a template database migrated once, and hand both to the test files, each of which clones the
 * template into a database of its own.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import pino from 'pino';
import type { TestProject } from 'vitest/node';
import { lockDataDir } from '../src/db/data-dir-lock.js';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.js';
import { prepareDatabase } from '../src/db/prepare-database.js';
import { TEST_SESSION_SECRET, withDatabase } from './helpers/database.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

declare module 'vitest' {
  export interface ProvidedContext {
    databaseAdminUrl: string;
    templateDatabase: string;
    testRunId: string;
  }
}

export default async function setup(project: TestProject) {
  // The browser tests serve the built page: build it once here, before test files run in parallel (two files
  // building into the same dist folder at once would serve each other half-written files).
  const build = spawnSync(process.execPath, ['scripts/build-frontend-if-stale.mjs'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('Building the page (apps/frontend) failed');
  const runId = Math.random().toString(36).slice(2, 8);
  const teardown: Array<() => Promise<void> | void> = [];
  let adminUrl = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || '';
  if (!adminUrl) {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'class-assist-test-'));
    chmodSync(dataDir, 0o755); // the postgres system user must reach it when tests run as root
    const lock = lockDataDir(dataDir);
    const embedded = await startEmbeddedPostgres(dataDir, pino({ level: 'warn' }));
    teardown.push(
      () => rmSync(dataDir, { recursive: true, force: true }),
      () => lock.release(),
      () => embedded.stop(),
    );
    adminUrl = embedded.url;
  }

  const template = `ca_${runId}_template`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${template}`);
  // As the server does on first start: the owner and runtime roles, the migrations and pg-boss's schema as the owner.
  // Every test app then runs as the runtime role, under row-level security.
  await prepareDatabase({
    privilegedUrl: withDatabase(adminUrl, template),
    sessionSecret: TEST_SESSION_SECRET,
    log: pino({ level: 'warn' }),
  });
  await admin.end();

  project.provide('databaseAdminUrl', adminUrl);
  project.provide('templateDatabase', template);
  project.provide('testRunId', runId);

  return async () => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [
      `ca\\_${runId}\\_%`,
    ]);
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    await client.end();
    for (const step of teardown.reverse()) await step();
  };
}
