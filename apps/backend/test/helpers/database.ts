/** A database of its own for each test file, cloned from the migrated template (fast and isolated). */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { RUNTIME_ROLE, runtimeRolePassword, withRole } from '../../src/db/roles.js';

/** The SESSION_SECRET of test apps; the template's runtime role has the password derived from it. */
export const TEST_SESSION_SECRET = 'test-session-secret-0123456789abcdef';

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** The same database, logged in as the runtime role (`class_assist_app`), as the server runs. */
export function asRuntimeRole(url: string): string {
  return withRole(url, RUNTIME_ROLE, runtimeRolePassword(TEST_SESSION_SECRET));
}

export interface TestDatabase {
  /** The privileged (superuser) connection: fixtures and checks, not subject to row-level security. */
  url: string;
  name: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = inject('databaseAdminUrl');
  const name = `ca_${inject('testRunId')}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE ${name} TEMPLATE ${inject('templateDatabase')}`);
        break;
      } catch (err) {
        // Two files cloning the template at the same instant: PostgreSQL refuses one; try again.
        if (attempt >= 20 || !/being accessed by other users/.test((err as Error).message)) throw err;
        await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
      }
    }
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(adminUrl, name),
    name,
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}
