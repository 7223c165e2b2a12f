/**
 * pg-boss's schema (`pgboss`), installed or upgraded by the owner role while migrating, with pg-boss's own SQL: the
 * runtime role may not create schemas, so when pg-boss starts as it, it finds its schema current and only works jobs.
 */
import { createRequire } from 'node:module';
import type pg from 'pg';
import { getConstructionPlans, getMigrationPlans } from 'pg-boss';

export const OUTBOX_SCHEMA = 'pgboss';

/** The schema version this pg-boss release expects. */
const EXPECTED_VERSION: number = createRequire(import.meta.url)('pg-boss/package.json').pgboss.schema;

/** Installs the schema if missing, or upgrades it to this pg-boss release's version. Outside a transaction. */
export async function installOutboxSchema(client: pg.ClientBase): Promise<void> {
  const { rows } = await client.query<{ installed: boolean }>(
    `SELECT to_regclass('${OUTBOX_SCHEMA}.version') IS NOT NULL AS installed`,
  );
  if (!rows[0]?.installed) {
    await client.query(getConstructionPlans(OUTBOX_SCHEMA));
    return;
  }
  const installed = await client.query<{ version: string }>(`SELECT version FROM ${OUTBOX_SCHEMA}.version`);
  const version = Number(installed.rows[0]?.version);
  if (version < EXPECTED_VERSION) await client.query(getMigrationPlans(OUTBOX_SCHEMA, version));
}
