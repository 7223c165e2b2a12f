/**
 * Every course-scoped read or write runs in a transaction that names its course (`app.course_id`), so row-level
 * security policies can confine it to that course. The transaction belongs to the caller that opens it.
 */
import { type Kysely, sql } from 'kysely';
import { escapeLiteral } from 'pg';
import { fromDatabaseError } from '../errors.js';
import type { Db } from './pool.js';
import type { Database } from './schema.js';

/** A connection inside a course-scoped transaction (see inCourse). */
export type CourseTx = Kysely<Database>;

/** Notifications of the open course transactions, sent with their COMMIT (see notifyOnCommit). */
const onCommit = new WeakMap<CourseTx, Array<{ channel: string; payload: string }>>();

/**
 * Runs `work` in one transaction scoped to `courseId`; database outages surface as AppError('unavailable'). BEGIN
 * and the course setting go in one round trip, and so do the transaction's notifications and its COMMIT
 * (simple-protocol queries, values quoted by pg's escapeLiteral): every request opens such a transaction, and on the
 * hot paths a round trip costs more than the statements it carries.
 */
export async function inCourse<T>(db: Db, courseId: string, work: (tx: CourseTx) => Promise<T>): Promise<T> {
  try {
    return await db.connection().execute(async (conn) => {
      let result: T;
      try {
        await sql.raw(`BEGIN; SELECT set_config('app.course_id', ${escapeLiteral(courseId)}, true)`).execute(conn);
        onCommit.set(conn, []);
        result = await work(conn);
        const notify = (onCommit.get(conn) ?? []).map(
          (n) => `SELECT pg_notify(${escapeLiteral(n.channel)}, ${escapeLiteral(n.payload)}); `,
        );
        // One query: a failed notification skips the COMMIT, and the transaction is rolled back below.
        const { rows } = await sql.raw<{ command?: string }>(`${notify.join('')}COMMIT`).execute(conn);
        // A transaction in which a statement failed answers COMMIT with ROLLBACK, and no error: `work` caught one.
        if (notify.length === 0 && rows[0]?.command === 'ROLLBACK') {
          throw new Error(
            'The transaction was rolled back at COMMIT: a statement in it failed and the error was caught',
          );
        }
      } catch (err) {
        await sql
          .raw('ROLLBACK')
          .execute(conn)
          .catch(() => undefined);
        throw err;
      } finally {
        onCommit.delete(conn);
      }
      return result;
    });
  } catch (err) {
    throw fromDatabaseError(err);
  }
}

/**
 * `pg_notify(channel, payload)` as part of the transaction: sent with its COMMIT, so delivered exactly when it commits
 * (as NOTIFY is) without a round trip of its own. Outside `inCourse`, sent at once.
 */
export async function notifyOnCommit(tx: CourseTx, channel: string, payload: string): Promise<void> {
  const pending = onCommit.get(tx);
  if (pending) pending.push({ channel, payload });
  else await sql`SELECT pg_notify(${channel}, ${payload})`.execute(tx);
}

/** What a course lookup can start from: each has a SECURITY DEFINER function in migration 0010. */
export type CourseLookup = 'intervention' | 'quiz' | 'quiz_attempt';

/**
 * The course an intervention, quiz or quiz attempt (by UUID) belongs to, or undefined: the one way to read across
 * courses, for callers that hold only an id. The database function answers the course id and nothing else; the
 * caller then works inside `inCourse` and checks the actor's access to that course.
 */
export async function courseOf(db: Db, kind: CourseLookup, id: string): Promise<string | undefined> {
  try {
    const { rows } = await sql<{ course_id: string | null }>`
      SELECT ${sql.ref(`course_of_${kind}`)}(${id}::uuid) AS course_id`.execute(db);
    return rows[0]?.course_id ?? undefined;
  } catch (err) {
    throw fromDatabaseError(err);
  }
}
