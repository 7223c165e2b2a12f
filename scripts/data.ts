/**
 * Data-subject and retention requests from the command line (README, "Privacy"):
 *
 *   npm run data -- delete-user <userId>
 *   npm run data -- purge --course <courseId> --before <date>
 *
 * delete-user removes a person from every course; purge removes a course's confusion, questions, quiz attempts, chat
 * items and finished interventions older than the date (ISO 8601: `2025-01-31` is midnight UTC) and keeps the course
 * and its material. Prints what was removed as JSON. Uses DATABASE_URL, else the embedded database under DATA_DIR
 * (only while no server is running on it).
 */
import { parseArgs } from 'node:util';
import { SERVICE_ACTOR } from '../apps/backend/src/access/actor.js';
import { deleteUser, purgeCourse } from '../apps/backend/src/domain/data-retention.service.js';
import type { DomainDeps } from '../apps/backend/src/domain/deps.js';
import { openCliDatabase, runCli } from './cli-database.js';

const USAGE = [
  'usage: npm run data -- delete-user <userId>',
  '       npm run data -- purge --course <courseId> --before <date>',
].join('\n');

type Request = { command: 'delete-user'; userId: string } | { command: 'purge'; courseId: string; before: Date };

function parse(argv: string[]): Request | undefined {
  const [command, ...rest] = argv;
  if (command === 'delete-user') {
    const [userId, ...extra] = rest;
    return userId && extra.length === 0 ? { command, userId } : undefined;
  }
  if (command === 'purge') {
    const { values, positionals } = parseArgs({
      args: rest,
      options: { course: { type: 'string' }, before: { type: 'string' } },
      strict: true,
      allowPositionals: true,
    });
    if (!values.course || !values.before || positionals.length > 0) return undefined;
    const before = new Date(values.before);
    if (Number.isNaN(before.getTime())) return undefined;
    return { command, courseId: values.course, before };
  }
  return undefined;
}

async function main(): Promise<number> {
  let request: Request | undefined;
  try {
    request = parse(process.argv.slice(2));
  } catch {
    request = undefined;
  }
  if (!request) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const { config, db, pool, close } = await openCliDatabase("the embedded database's PostgreSQL URL");
  try {
    const deps: DomainDeps = { db, pool, classroom: config.classroom, clock: () => new Date() };
    const result =
      request.command === 'delete-user'
        ? await deleteUser(deps, SERVICE_ACTOR, { user_id: request.userId })
        : await purgeCourse(deps, SERVICE_ACTOR, { course_id: request.courseId, before: request.before });
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  } finally {
    await close();
  }
}

runCli('data', main);
