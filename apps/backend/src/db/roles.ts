/**
 * The two database roles behind tenant isolation. `class_assist_owner` (NOLOGIN) owns the schema: migrations, the
 * demo seed and pg-boss's install run as it (`SET ROLE` on the privileged connection). `class_assist_app` is what the
 * server logs in as at run time: not a superuser, not the owner, not a member of it, no BYPASSRLS; it may read and
 * write rows, and row-level security (migration 0010) confines it to the course its transaction names.
 */
import { hkdfSync } from 'node:crypto';
import type pg from 'pg';

export const OWNER_ROLE = 'class_assist_owner';
export const RUNTIME_ROLE = 'class_assist_app';

/** PostgreSQL errors a concurrent CREATE/ALTER ROLE or GRANT by another instance can raise; worth one more try. */
const RACES = new Set(['XX000', '23505', '42710', '40001', '40P01']);

/**
 * The runtime role's password: derived from SESSION_SECRET with HKDF (SHA-256), so every instance of one deployment
 * computes the same one and nothing else needs storing. In development SESSION_SECRET is itself a random value kept
 * in DATA_DIR/secrets.json, so the password is as random and as stable as that file.
 */
export function runtimeRolePassword(sessionSecret: string): string {
  return Buffer.from(hkdfSync('sha256', sessionSecret, 'class-assist', 'database runtime role password', 32)).toString(
    'base64url',
  );
}

/** `url` with its user and password replaced: how the server logs in as the runtime role. */
export function withRole(url: string, user: string, password: string): string {
  const parsed = new URL(url);
  parsed.username = encodeURIComponent(user);
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}

async function retryRaces<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      if (attempt >= 5 || !RACES.has(code)) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 150));
    }
  }
}

/**
 * Creates both roles if missing (idempotent, safe for instances starting together) and lets the connected user act
 * as the owner. With `runtimePassword`, the runtime role may log in with it; without (an operator's
 * DATABASE_RUNTIME_URL) its login is left alone. Also hands objects the connected user created before the roles
 * existed (an older install) over to the owner. Needs a superuser or CREATEROLE; throws otherwise.
 */
export async function ensureRoles(client: pg.ClientBase, runtimePassword: string | undefined): Promise<void> {
  const create = (role: string) => `DO $$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${role}') THEN
        CREATE ROLE ${role} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
      END IF;
    END $$`;
  await retryRaces(() => client.query(create(OWNER_ROLE)));
  await retryRaces(() => client.query(create(RUNTIME_ROLE)));
  if (runtimePassword !== undefined) {
    await retryRaces(() =>
      client.query(`ALTER ROLE ${RUNTIME_ROLE} WITH LOGIN PASSWORD ${client.escapeLiteral(runtimePassword)}`),
    );
  }
  await assertConfined(client);
  const { rows } = await client.query<{ superuser: boolean; database: string }>(
    'SELECT rolsuper AS superuser, current_database() AS database FROM pg_roles WHERE rolname = current_user',
  );
  const member = await client.query<{ member: boolean }>(`SELECT pg_has_role('${OWNER_ROLE}', 'MEMBER') AS member`);
  if (!rows[0]?.superuser && !member.rows[0]?.member) {
    await retryRaces(() => client.query(`GRANT ${OWNER_ROLE} TO CURRENT_USER`));
  }
  const may = await client.query<{ database: boolean; schema: boolean }>(
    `SELECT has_database_privilege('${OWNER_ROLE}', current_database(), 'CREATE') AS database,
            has_schema_privilege('${OWNER_ROLE}', 'public', 'CREATE') AS schema`,
  );
  if (!may.rows[0]?.database) {
    await retryRaces(() => client.query(`GRANT CREATE ON DATABASE "${rows[0]?.database}" TO ${OWNER_ROLE}`));
  }
  if (!may.rows[0]?.schema)
    await retryRaces(() => client.query(`GRANT USAGE, CREATE ON SCHEMA public TO ${OWNER_ROLE}`));
  await adoptObjects(client);
}

/** Refuses a runtime role that could step around row-level security (made by hand with the wrong attributes). */
async function assertConfined(client: pg.ClientBase): Promise<void> {
  const { rows } = await client.query<{ loose: boolean }>(
    `SELECT rolsuper OR rolbypassrls OR pg_has_role(oid, '${OWNER_ROLE}', 'MEMBER') AS loose
     FROM pg_roles WHERE rolname = '${RUNTIME_ROLE}'`,
  );
  if (rows[0]?.loose) {
    throw new Error(
      `${RUNTIME_ROLE} is a superuser, has BYPASSRLS or is a member of ${OWNER_ROLE}: ` +
        `row-level security would not confine it (ALTER ROLE ${RUNTIME_ROLE} NOSUPERUSER NOBYPASSRLS; ` +
        `REVOKE ${OWNER_ROLE} FROM ${RUNTIME_ROLE})`,
    );
  }
}

/** Objects of Class Assist's schemas still owned by the connected user (created before the roles) go to the owner. */
async function adoptObjects(client: pg.ClientBase): Promise<void> {
  await client.query(`DO $$
    DECLARE r record;
    BEGIN
      FOR r IN SELECT c.oid::regclass AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname IN ('public', 'pgboss') AND c.relkind IN ('r', 'p', 'v', 'm')
          AND c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user) LOOP
        EXECUTE format('ALTER TABLE %s OWNER TO ${OWNER_ROLE}', r.name);
      END LOOP;
      FOR r IN SELECT p.oid::regprocedure AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname IN ('public', 'pgboss') AND p.proowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
      LOOP
        EXECUTE format('ALTER ROUTINE %s OWNER TO ${OWNER_ROLE}', r.name);
      END LOOP;
      FOR r IN SELECT t.oid::regtype AS name FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname IN ('public', 'pgboss') AND t.typtype IN ('e', 'd')
          AND t.typowner = (SELECT oid FROM pg_roles WHERE rolname = current_user) LOOP
        EXECUTE format('ALTER TYPE %s OWNER TO ${OWNER_ROLE}', r.name);
      END LOOP;
      IF EXISTS (SELECT FROM pg_namespace WHERE nspname = 'pgboss'
                   AND nspowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)) THEN
        ALTER SCHEMA pgboss OWNER TO ${OWNER_ROLE};
      END IF;
    END $$`);
}

/**
 * As the owner, after migrating: the runtime role may read and write rows of Class Assist's tables and pg-boss's,
 * use their sequences and call the four course lookups; nothing else (no DDL, no schema_migrations).
 */
export async function grantRuntime(client: pg.ClientBase): Promise<void> {
  await retryRaces(() =>
    client.query(`
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${RUNTIME_ROLE};
    REVOKE ALL ON schema_migrations FROM ${RUNTIME_ROLE};
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${RUNTIME_ROLE};
    GRANT EXECUTE ON FUNCTION course_of_intervention(uuid), course_of_quiz(uuid), course_of_quiz_attempt(uuid),
      unfinished_outbox_jobs() TO ${RUNTIME_ROLE};
    GRANT USAGE ON SCHEMA pgboss TO ${RUNTIME_ROLE};
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA pgboss TO ${RUNTIME_ROLE};
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA pgboss TO ${RUNTIME_ROLE};
    GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA pgboss TO ${RUNTIME_ROLE};`),
  );
}
