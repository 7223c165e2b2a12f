/** SQL for confusion events, the per-student-and-slide latest confusion, and the counts built on them. */
import { sql } from 'kysely';
import type { CourseTx } from '../db/course-scope.js';

/** A confusion ping of a batch, within one course. */
export interface BatchedConfusion {
  userId: string;
  slideId: string | null;
  occurredAt: Date;
}

/** The windows of the class counts: confused since `confusedSince` (until `now`), active since `activeSince`. */
export interface CountWindows {
  confusedSince: Date;
  activeSince: Date;
  now: Date;
}

/**
 * `insertConfusion` for many pings of one course in one statement; no two may share a student and slide (the caller
 * writes repeats in later calls). The guard rows are upserted in key order, so concurrent writers cannot deadlock.
 * Answers, per ping in the order given, whether it was stored (false: a repeat within `dedupeSeconds`), and the class
 * counts as they stand after this statement's writes (one pass over the course's enrolments, without a round trip of
 * its own): the statement cannot see its own updates, so the enrolments it updated are counted from their RETURNING
 * values.
 */
export async function insertConfusions(
  tx: CourseTx,
  courseId: string,
  pings: BatchedConfusion[],
  dedupeSeconds: number,
  windows: CountWindows,
): Promise<{ stored: boolean[]; counts: ClassCounts }> {
  const { rows } = await sql<{ stored: Array<[string, string | null]> | null; confused: number; active: number }>`
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
      RETURNING enrollments.user_id, enrollments.last_confused_at
    ),
    event AS (
      INSERT INTO confusion_events (course_id, user_id, slide_id, occurred_at)
      SELECT ${courseId}, ping.user_id, NULLIF(ping.slide_key, ''), ping.at
      FROM ping JOIN guard USING (user_id, slide_key) ORDER BY ping.n
      RETURNING user_id, slide_id
    ),
    member AS (
      SELECT COALESCE(student.last_confused_at, e.last_confused_at) AS confused_at, e.role, e.last_seen_at
      FROM enrollments e LEFT JOIN student ON student.user_id = e.user_id
      WHERE e.course_id = ${courseId}
    )
    SELECT
      (SELECT json_agg(json_build_array(user_id, slide_id)) FROM event) AS stored,
      count(*) FILTER (WHERE confused_at >= ${windows.confusedSince} AND confused_at <= ${windows.now})::int
        AS confused,
      count(*) FILTER (WHERE role = 'student' AND last_seen_at >= ${windows.activeSince})::int AS active
    FROM member`.execute(tx);
  const row = rows[0];
  const stored = new Set((row?.stored ?? []).map(([userId, slideId]) => confusionKey(userId, slideId)));
  return {
    stored: pings.map((p) => stored.has(confusionKey(p.userId, p.slideId))),
    counts: { confused: row?.confused ?? 0, active: row?.active ?? 0 },
  };
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
