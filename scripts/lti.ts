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
import { type PlatformRegistration, validateRegistration } from '../apps/backend/src/lti/registrations.js';
import { createRegistrationsRepository } from '../apps/backend/src/lti/registrations.repository.js';
import { createToolKeys } from '../apps/backend/src/lti/tool-keys.js';
import { openCliDatabase, runCli } from './cli-database.js';

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

  const { config, db, close } = await openCliDatabase('the admin API (POST/GET/DELETE /api/admin/lti/platforms)');
  try {
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
    await close();
  }
}

runCli('lti', main);
