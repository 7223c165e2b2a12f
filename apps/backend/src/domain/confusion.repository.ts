/** SQL for confusion events, the per-student-and-slide latest confusion, and the counts built on them. */
import { sql } from 'kysely';
import type { CourseTx } from '../db/course-scope.js';

/** A confusion ping of a batch, within one course. */
export interface BatchedConfusion {
  userId: string;
  slideId: string | null;
  occurredAt: Date;
}

/**
 * `insertConfusion` for many pings of one course in one statement; no two may share a student and slide (the caller
 * writes repeats in later calls). The guard rows are upserted in key order, so concurrent writers cannot deadlock.
 * Answers, per ping in the order given, whether it was stored (false: a repeat within `dedupeSeconds`).
 */
export async function insertConfusions(
  tx: CourseTx,
  courseId: string,
  pings: BatchedConfusion[],
  dedupeSeconds: number,
): Promise<boolean[]> {
  const { rows } = await sql<{ user_id: string; slide_id: string | null }>`
    WITH ping AS (
      SELECT * FROM unnest(${pings.map((p) => p.userId)}::text[], ${pings.map((p) => p.slideId ?? '')}::text[],
        ${pings.map((p) => p.occurredAt.toISOString())}::timestamptz[]) WITH ORDINALITY AS p (user_id, slide_key, at, n)
    ),
    guard AS (
      INSERT INTO confusion_latest AS latest (course_id, user_id, slide_key, last_at)
      SELECT ${courseId}, user_id, slide_key, at FROM ping ORDER BY user_id, slide_key
      ON CONFLICT (course_id, user_id, slide_key) DO UPDATE
        SET last_at = GREATEST(latest.last_at, EXCLUDED.last_at)
        WHERE abs(extract(epoch FROM EXCLUDED.last_at - latest.last_at)) >= ${dedupeSeconds}
      RETURNING user_id, slide_key, last_at
    ),
    -- The student's latest confusion on any slide; touchMembers has already locked these enrolments.
    student AS (
      UPDATE enrollments SET last_confused_at = GREATEST(enrollments.last_confused_at, stored.at)
      FROM (SELECT user_id, max(last_at) AS at FROM guard GROUP BY user_id) AS stored
      WHERE enrollments.course_id = ${courseId} AND enrollments.user_id = stored.user_id
    )
    INSERT INTO confusion_events (course_id, user_id, slide_id, occurred_at)
    SELECT ${courseId}, ping.user_id, NULLIF(ping.slide_key, ''), ping.at
    FROM ping JOIN guard USING (user_id, slide_key) ORDER BY ping.n
    RETURNING user_id, slide_id`.execute(tx);
  const stored = new Set(rows.map((row) => confusionKey(row.user_id, row.slide_id)));
  return pings.map((p) => stored.has(confusionKey(p.userId, p.slideId)));
}

/** What makes two pings of a course repeats of each other: the student and the slide (none is a slide of its own). */
export function confusionKey(userId: string, slideId: string | null): string {
  return JSON.stringify([userId, slideId ?? '']);
}

export interface ClassCounts {
  /** Distinct students whose latest stored confusion ping falls in [since, now] (`enrollments.last_confused_at`). */
  confused: number;
  /** Distinct students of the course active in [activeSince, now]. */
  active: number;
}

/** Confused and active students of a course: one pass over its enrolments (see migration 0013). */
export async function countClass(
  tx: CourseTx,
  courseId: string,
  window: { confusedSince: Date; activeSince: Date; now: Date },
): Promise<ClassCounts> {
  const { rows } = await sql<{ confused: number; active: number }>`
    SELECT
      count(*) FILTER (WHERE last_confused_at >= ${window.confusedSince} AND last_confused_at <= ${window.now})::int
        AS confused,
      count(*) FILTER (WHERE role = 'student' AND last_seen_at >= ${window.activeSince})::int AS active
    FROM enrollments WHERE course_id = ${courseId}`.execute(tx);
  return rows[0] ?? { confused: 0, active: 0 };
}
