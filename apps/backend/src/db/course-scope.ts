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

/**
 * Runs `work` in one transaction scoped to `courseId`; database outages surface as AppError('unavailable'). BEGIN
 * and the course setting go in one round trip (a simple-protocol query, the id quoted by pg's escapeLiteral): every
 * request opens such a transaction, and on the hot paths a round trip costs more than the statements it carries.
 */
export async function inCourse<T>(db: Db, courseId: string, work: (tx: CourseTx) => Promise<T>): Promise<T> {
  try {
    return await db.connection().execute(async (conn) => {
      let result: T;
      try {
        await sql.raw(`BEGIN; SELECT set_config('app.course_id', ${escapeLiteral(courseId)}, true)`).execute(conn);
        result = await work(conn);
      } catch (err) {
        await sql
          .raw('ROLLBACK')
          .execute(conn)
          .catch(() => undefined);
        throw err;
      }
      await sql.raw('COMMIT').execute(conn);
      return result;
    });
  } catch (err) {
    throw fromDatabaseError(err);
  }
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
