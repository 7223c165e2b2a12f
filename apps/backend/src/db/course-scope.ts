/**
 * Every course-scoped read or write runs in a transaction that names its course (`app.course_id`), so row-level
 * security policies can confine it to that course. The transaction belongs to the caller that opens it.
 */
import { sql, type Transaction } from 'kysely';
import { fromDatabaseError } from '../errors.js';
import type { Db } from './pool.js';
import type { Database } from './schema.js';

export type CourseTx = Transaction<Database>;

/** Runs `work` in one transaction scoped to `courseId`; database outages surface as AppError('unavailable'). */
export async function inCourse<T>(db: Db, courseId: string, work: (tx: CourseTx) => Promise<T>): Promise<T> {
  try {
    return await db.transaction().execute(async (tx) => {
      await sql`SELECT set_config('app.course_id', ${courseId}, true)`.execute(tx);
      return work(tx);
    });
  } catch (err) {
    throw fromDatabaseError(err);
  }
}
