/**
 * Who an intervention reaches (`recipient_filter`), always students of the course only, each with their LMS user id
 * (null when the LMS has not told us: no launch with it and no roster loaded). Definitions: README, "Interventions".
 */
import { sql } from 'kysely';
import type { LmsSettings } from '../config.js';
import type { CourseTx } from '../db/course-scope.js';

export const RECIPIENT_FILTERS = ['confused_students', 'struggling_students', 'all_students'] as const;
export type RecipientFilter = (typeof RECIPIENT_FILTERS)[number];

export interface Recipient {
  user_id: string;
  lms_user_id: string | null;
}

/**
 * The students `filter` selects, each with the id the LMS knows them by: their LMS user id (Canvas, Moodle), or for
 * a course graded through LTI only, their LTI user id (`sub`), which AGS scores name.
 */
export async function findRecipients(
  tx: CourseTx,
  courseId: string,
  filter: RecipientFilter,
  settings: LmsSettings,
  now: Date,
  idKind: 'lms' | 'lti' = 'lms',
): Promise<Recipient[]> {
  const students = sql`
    SELECT e.user_id FROM enrollments e WHERE e.course_id = ${courseId} AND e.role = 'student'`;
  let chosen: ReturnType<typeof sql>;
  if (filter === 'all_students') {
    chosen = students;
  } else if (filter === 'confused_students') {
    const since = new Date(now.getTime() - settings.confusedWindowMinutes * 60_000);
    chosen = sql`
      SELECT DISTINCT ce.user_id FROM confusion_events ce
      WHERE ce.course_id = ${courseId} AND ce.occurred_at >= ${since} AND ce.user_id IN (${students})`;
  } else {
    const since = new Date(now.getTime() - settings.strugglingDays * 86_400_000);
    chosen = sql`
      SELECT ce.user_id FROM confusion_events ce
      WHERE ce.course_id = ${courseId} AND ce.occurred_at >= ${since} AND ce.slide_id IS NOT NULL
        AND ce.user_id IN (${students})
      GROUP BY ce.user_id HAVING count(DISTINCT ce.slide_id) >= ${settings.strugglingSlides}
      UNION
      SELECT latest.user_id FROM (
        SELECT DISTINCT ON (a.user_id) a.user_id, a.id
        FROM quiz_attempts a
        WHERE a.course_id = ${courseId} AND a.finished_at IS NOT NULL AND a.user_id IN (${students})
        ORDER BY a.user_id, a.finished_at DESC, a.seq DESC
      ) latest
      JOIN quiz_answers ans ON ans.attempt_id = latest.id
      GROUP BY latest.user_id
      HAVING 100.0 * count(*) FILTER (WHERE ans.correct) / count(*) < ${settings.strugglingQuizPercent}`;
  }
  const { rows } = await sql<Recipient>`
    SELECT u.id AS user_id, ${idKind === 'lti' ? sql`u.lti_sub` : sql`u.lms_user_id`} AS lms_user_id
    FROM users u WHERE u.id IN (${chosen}) ORDER BY u.id`.execute(tx);
  return rows;
}
