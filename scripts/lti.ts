/**
 * Manage LTI platform registrations from the command line (the same repository as the server and the admin API):
 *
 *   npm run lti -- list
 *   npm run lti -- add --issuer https://canvas.instructure.com --client-id 1000… \
 *       --auth-login-url … --auth-token-url … --jwks-url … --deployment-id 1:abc [--deployment-id …]
 *   npm run lti -- add --file platform.json          (one registration or an array)
 *   npm run lti -- remove --issuer … --client-id …
 *   npm run lti -- rotate-key
 *
 * Uses DATABASE_URL, else the embedded database under DATA_DIR (only while no server is running on it).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { loadConfig, withDevelopmentSecrets } from '../apps/backend/src/config.js';
import { DataDirBusyError, lockDataDir } from '../apps/backend/src/db/data-dir-lock.js';
import { startEmbeddedPostgres } from '../apps/backend/src/db/embedded-postgres.js';
import { migrate } from '../apps/backend/src/db/migrate.js';
import { createDb, createPool } from '../apps/backend/src/db/pool.js';
import { AppError } from '../apps/backend/src/errors.js';
import { type PlatformRegistration, validateRegistration } from '../apps/backend/src/lti/registrations.js';
import { createRegistrationsRepository } from '../apps/backend/src/lti/registrations.repository.js';
import { createToolKeys } from '../apps/backend/src/lti/tool-keys.js';

const USAGE = `usage: npm run lti -- list | add (--file F | --issuer … --client-id … --auth-login-url … --auth-token-url … --jwks-url … --deployment-id …) | remove --issuer … --client-id … | rotate-key`;

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  const { values } = parseArgs({
    args: rest,
    options: {
      file: { type: 'string' },
      issuer: { type: 'string' },
      'client-id': { type: 'string' },
      'auth-login-url': { type: 'string' },
      'auth-token-url': { type: 'string' },
      'jwks-url': { type: 'string' },
      'deployment-id': { type: 'string', multiple: true },
    },
  });
  if (!command || !['list', 'add', 'remove', 'rotate-key'].includes(command)) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  // Validate before touching the database.
  let toAdd: PlatformRegistration[] = [];
  if (command === 'add') {
    const raw: unknown = values.file
      ? JSON.parse(readFileSync(values.file, 'utf8'))
      : {
          issuer: values.issuer,
          client_id: values['client-id'],
          auth_login_url: values['auth-login-url'],
          auth_token_url: values['auth-token-url'],
          jwks_url: values['jwks-url'],
          deployment_ids: values['deployment-id'] ?? [],
        };
    toAdd = (Array.isArray(raw) ? raw : [raw]).map(validateRegistration);
  }
  if (command === 'remove' && (!values.issuer || !values['client-id'])) {
    process.stderr.write('remove needs --issuer and --client-id\n');
    return 2;
  }

  const config = withDevelopmentSecrets(loadConfig());
  const log = pino({ level: 'warn' });
  const cleanups: Array<() => unknown> = [];
  try {
    let url = config.databaseUrl;
    if (!url) {
      try {
        const lock = lockDataDir(config.dataDir);
        cleanups.push(() => lock.release());
      } catch (err) {
        if (err instanceof DataDirBusyError) {
          throw new Error(
            `A Class Assist server is running on the embedded database in ${config.dataDir}: stop it, or use ` +
              'the admin API (POST/GET/DELETE /api/admin/lti/platforms) of the running server, or set DATABASE_URL',
          );
        }
        throw err;
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
    await migrate(pool);
    const repository = createRegistrationsRepository(db);
    if (command === 'list') {
      process.stdout.write(`${JSON.stringify(await repository.list(), null, 2)}\n`);
    } else if (command === 'add') {
      for (const registration of toAdd) await repository.upsert(registration);
      process.stdout.write(`registered ${toAdd.map((r) => `${r.issuer} (client_id ${r.client_id})`).join(', ')}\n`);
    } else if (command === 'remove') {
      const removed = await repository.remove(values.issuer as string, values['client-id'] as string);
      process.stdout.write(removed ? 'removed\n' : 'no such registration\n');
      if (!removed) return 1;
    } else {
      const keys = createToolKeys({
        db,
        sessionSecret: config.sessionSecret,
        graceDays: config.lti.keyRotationGraceDays,
      });
      process.stdout.write(`new tool key ${await keys.rotate()}\n`);
    }
    return 0;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`lti: ${err instanceof AppError || err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
