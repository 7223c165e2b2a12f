/**
 * SQL for data-subject and retention requests (data-retention.service.ts). Every function but the two marked
 * otherwise runs inside the caller's course-scoped transaction and touches that course only.
 */
import { type RawBuilder, sql } from 'kysely';
import type { CourseTx } from '../db/course-scope.js';
import type { Db } from '../db/pool.js';

/** Rows removed (or unlinked) per kind. */
export type Counts = Record<string, number>;

/**
 * The courses holding anything of `userId`: enrolments, confusion, questions, quizzes, attempts, chats, interventions
 * received or requested. The one cross-course read here (ids only), made before the per-course transactions.
 */
export async function coursesOfUser(db: Db, userId: string): Promise<string[]> {
  const { rows } = await sql<{ course_id: string }>`
    SELECT course_id FROM enrollments WHERE user_id = ${userId}
    UNION SELECT course_id FROM confusion_events WHERE user_id = ${userId}
    UNION SELECT course_id FROM confusion_latest WHERE user_id = ${userId}
    UNION SELECT course_id FROM questions WHERE user_id = ${userId}
    UNION SELECT course_id FROM quizzes WHERE user_id = ${userId}
    UNION SELECT course_id FROM quiz_attempts WHERE user_id = ${userId}
    UNION SELECT course_id FROM chatkit_threads WHERE user_id = ${userId}
    UNION SELECT course_id FROM intervention_recipients WHERE user_id = ${userId}
    UNION SELECT course_id FROM interventions WHERE requested_by = ${userId}
    ORDER BY course_id`.execute(db);
  return rows.map((r) => r.course_id);
}

/** Removes everything of `userId` in one course; interventions they requested stay, unlinked from them. */
export async function deleteUserInCourse(tx: CourseTx, courseId: string, userId: string): Promise<Counts> {
  const mine = { course: courseId, user: userId };
  const count = (query: RawBuilder<unknown>) => affected(tx, query);
  return {
    confusion_events: await count(
      sql`DELETE FROM confusion_events WHERE course_id = ${mine.course} AND user_id = ${mine.user}`,
    ),
    confusion_latest: await count(
      sql`DELETE FROM confusion_latest WHERE course_id = ${mine.course} AND user_id = ${mine.user}`,
    ),
    // Anonymous questions have no user_id: nothing links them to anyone, so they stay.
    questions: await count(sql`DELETE FROM questions WHERE course_id = ${mine.course} AND user_id = ${mine.user}`),
    quiz_answers: await count(sql`
      DELETE FROM quiz_answers WHERE course_id = ${mine.course} AND attempt_id IN (
        SELECT id FROM quiz_attempts WHERE course_id = ${mine.course} AND user_id = ${mine.user})`),
    quiz_attempts: await count(
      sql`DELETE FROM quiz_attempts WHERE course_id = ${mine.course} AND user_id = ${mine.user}`,
    ),
    // A quiz made for them alone goes; one assigned to a class or taken by others stays, without their name.
    quizzes: await count(sql`
      DELETE FROM quizzes q WHERE q.course_id = ${mine.course} AND q.user_id = ${mine.user}
        AND q.intervention_id IS NULL
        AND NOT EXISTS (SELECT 1 FROM quiz_attempts a WHERE a.course_id = ${mine.course} AND a.quiz_id = q.id)`),
    quizzes_unlinked: await count(
      sql`UPDATE quizzes SET user_id = NULL WHERE course_id = ${mine.course} AND user_id = ${mine.user}`,
    ),
    chat_items: await count(sql`
      DELETE FROM chatkit_items WHERE course_id = ${mine.course} AND thread_id IN (
        SELECT id FROM chatkit_threads WHERE course_id = ${mine.course} AND user_id = ${mine.user})`),
    chat_threads: await count(
      sql`DELETE FROM chatkit_threads WHERE course_id = ${mine.course} AND user_id = ${mine.user}`,
    ),
    intervention_recipients: await count(
      sql`DELETE FROM intervention_recipients WHERE course_id = ${mine.course} AND user_id = ${mine.user}`,
    ),
    interventions_unlinked: await count(
      sql`UPDATE interventions SET requested_by = NULL WHERE course_id = ${mine.course} AND requested_by = ${mine.user}`,
    ),
    enrollments: await count(sql`DELETE FROM enrollments WHERE course_id = ${mine.course} AND user_id = ${mine.user}`),
  };
}

/**
 * Removes the person's own row (name, email, LTI subject, LMS user id) once no course holds anything of theirs.
 * `users` is not course-scoped: this runs on the database outside any course transaction.
 */
export async function deleteUserRow(db: Db, userId: string): Promise<number> {
  const result = await db.deleteFrom('users').where('id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** True when the course exists. */
export async function courseExists(tx: CourseTx, courseId: string): Promise<boolean> {
  return (await tx.selectFrom('courses').select('id').where('id', '=', courseId).executeTakeFirst()) !== undefined;
}

/**
 * Removes a course's activity older than `before`: confusion (events, and the per-student aggregate rows whose
 * latest confusion is older), questions, quiz attempts (by start), chat items (and threads left empty) and finished
 * interventions (by finish). The course, its slides, its quizzes and its LMS connection stay.
 */
export async function purgeCourse(tx: CourseTx, courseId: string, before: Date): Promise<Counts> {
  const count = (query: RawBuilder<unknown>) => affected(tx, query);
  // A student whose latest confusion is purged has no confusion left to count (see migration 0011).
  await sql`UPDATE enrollments SET last_confused_at = NULL WHERE course_id = ${courseId} AND last_confused_at < ${before}`.execute(
    tx,
  );
  return {
    confusion_events: await count(
      sql`DELETE FROM confusion_events WHERE course_id = ${courseId} AND occurred_at < ${before}`,
    ),
    confusion_latest: await count(
      sql`DELETE FROM confusion_latest WHERE course_id = ${courseId} AND last_at < ${before}`,
    ),
    // The per-day counts followed confusion_latest (migration 0012's triggers); the days left at zero go too.
    confusion_days: await count(sql`DELETE FROM confusion_slide_days WHERE course_id = ${courseId} AND students = 0`),
    questions: await count(sql`DELETE FROM questions WHERE course_id = ${courseId} AND created_at < ${before}`),
    quiz_answers: await count(sql`
      DELETE FROM quiz_answers WHERE course_id = ${courseId} AND attempt_id IN (
        SELECT id FROM quiz_attempts WHERE course_id = ${courseId} AND started_at < ${before})`),
    quiz_attempts: await count(sql`DELETE FROM quiz_attempts WHERE course_id = ${courseId} AND started_at < ${before}`),
    chat_items: await count(sql`DELETE FROM chatkit_items WHERE course_id = ${courseId} AND created_at < ${before}`),
    chat_threads: await count(sql`
      DELETE FROM chatkit_threads t WHERE t.course_id = ${courseId} AND t.created_at < ${before}
        AND NOT EXISTS (SELECT 1 FROM chatkit_items i WHERE i.course_id = ${courseId} AND i.thread_id = t.id)`),
    intervention_recipients: await count(sql`
      DELETE FROM intervention_recipients WHERE course_id = ${courseId} AND intervention_id IN (
        SELECT id FROM interventions WHERE course_id = ${courseId} AND status IN ('completed', 'failed')
          AND COALESCE(finished_at, updated_at) < ${before})`),
    interventions: await count(sql`
      DELETE FROM interventions WHERE course_id = ${courseId} AND status IN ('completed', 'failed')
        AND COALESCE(finished_at, updated_at) < ${before}`),
  };
}

async function affected(tx: CourseTx, query: RawBuilder<unknown>): Promise<number> {
  return Number((await query.execute(tx)).numAffectedRows ?? 0);
}
