/** SQL for confusion events, the per-student-and-slide latest confusion, and the counts built on them. */
import { sql } from 'kysely';
import type { CourseTx } from '../db/course-scope.js';

export interface NewConfusion {
  courseId: string;
  userId: string;
  slideId: string | null;
  occurredAt: Date;
  dedupeSeconds: number;
}

/**
 * Stores a confusion event unless the same student pinged the same slide within `dedupeSeconds` of it. The guard row
 * is locked by the upsert, so concurrent repeats cannot both pass. Returns the new event id, or null for a repeat.
 */
export async function insertConfusion(tx: CourseTx, ping: NewConfusion): Promise<string | null> {
  const { rows } = await sql<{ id: string }>`
    WITH guard AS (
      INSERT INTO confusion_latest AS latest (course_id, user_id, slide_key, last_at)
      VALUES (${ping.courseId}, ${ping.userId}, ${ping.slideId ?? ''}, ${ping.occurredAt})
      ON CONFLICT (course_id, user_id, slide_key) DO UPDATE
        SET last_at = GREATEST(latest.last_at, EXCLUDED.last_at)
        WHERE abs(extract(epoch FROM EXCLUDED.last_at - latest.last_at)) >= ${ping.dedupeSeconds}
      RETURNING 1
    )
    INSERT INTO confusion_events (course_id, user_id, slide_id, occurred_at)
    SELECT ${ping.courseId}, ${ping.userId}, ${ping.slideId}, ${ping.occurredAt} FROM guard
    RETURNING id`.execute(tx);
  return rows[0]?.id ?? null;
}

export interface ClassCounts {
  /** Distinct students with a confusion ping in [since, now]. */
  confused: number;
  /** Distinct students of the course active in [activeSince, now]. */
  active: number;
}

/** Confused and active students of a course, in one round trip. */
export async function countClass(
  tx: CourseTx,
  courseId: string,
  window: { confusedSince: Date; activeSince: Date; now: Date },
): Promise<ClassCounts> {
  const { rows } = await sql<{ confused: number; active: number }>`
    SELECT
      (SELECT count(DISTINCT user_id)::int FROM confusion_latest
        WHERE course_id = ${courseId} AND last_at >= ${window.confusedSince} AND last_at <= ${window.now}) AS confused,
      (SELECT count(*)::int FROM enrollments
        WHERE course_id = ${courseId} AND role = 'student' AND last_seen_at >= ${window.activeSince}) AS active`.execute(
    tx,
  );
  return rows[0] ?? { confused: 0, active: 0 };
}

export interface SlideConfusion {
  slideId: string;
  confused: number;
}

/** Distinct confused students per slide since `since` (slides with none are absent). */
export async function confusedPerSlide(
  tx: CourseTx,
  courseId: string,
  since: Date,
  now: Date,
): Promise<SlideConfusion[]> {
  const { rows } = await sql<{ slide_id: string; confused: number }>`
    SELECT slide_key AS slide_id, count(*)::int AS confused FROM confusion_latest
    WHERE course_id = ${courseId} AND last_at >= ${since} AND last_at <= ${now} AND slide_key <> ''
    GROUP BY slide_key`.execute(tx);
  return rows.map((row) => ({ slideId: row.slide_id, confused: row.confused }));
}
