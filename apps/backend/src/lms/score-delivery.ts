/**
 * Posts the score of a finished quiz attempt back to the LMS through AGS, when the quiz was assigned with a line item
 * (Moodle and LTI-only courses take remedial quizzes in Class Assist). The attempt's `score_state` records the
 * outcome: `posted`, or `failed` with the reason once retrying cannot help; a transient error is thrown so the outbox
 * retries.
 */
import { sql } from 'kysely';
import { courseOf, inCourse } from '../db/course-scope.js';
import { announceCourseChange } from '../domain/course.repository.js';
import { AppError } from '../errors.js';
import type { OutboxOutcome } from '../metrics/metrics.js';
import type { DeliveryDeps } from './delivery.js';

interface ScoreRow {
  course_id: string;
  lti_sub: string | null;
  lineitem_url: string | null;
  finished_at: Date;
  correct: number;
  total: number;
  score_state: string | null;
}

/** The platform refused the request (HTTP 4xx other than 408/429): it will refuse it again, so retrying cannot help. */
export function platformRefused(err: unknown): boolean {
  const status = err instanceof AppError ? /\(HTTP (\d{3})\b/.exec(err.message)?.[1] : undefined;
  return /^4\d\d$/.test(status ?? '') && status !== '408' && status !== '429';
}

export function createScoreDelivery({ deps, log, courseAgs }: DeliveryDeps) {
  const settle = async (
    courseId: string,
    attemptId: string,
    state: 'posted' | 'failed',
    error: string | null,
  ): Promise<OutboxOutcome> => {
    await inCourse(deps.db, courseId, async (tx) => {
      await tx
        .updateTable('quiz_attempts')
        .set({ score_state: state, score_error: error })
        .where('id', '=', attemptId)
        .execute();
      await announceCourseChange(tx, courseId, 'score');
    });
    return state === 'posted' ? 'completed' : 'failed';
  };

  /** Posts the attempt's score; answers how the attempt ended, or undefined when there was nothing to post. */
  return async function postScore(attemptId: string, lastAttempt: boolean): Promise<OutboxOutcome | undefined> {
    const courseId = await courseOf(deps.db, 'quiz_attempt', attemptId);
    if (!courseId) return;
    const { rows } = await inCourse(deps.db, courseId, (tx) =>
      sql<ScoreRow>`
      SELECT a.course_id, u.lti_sub, i.lms ->> 'lineitem_url' AS lineitem_url, a.finished_at, a.score_state,
             (SELECT count(*) FILTER (WHERE correct) FROM quiz_answers WHERE attempt_id = a.id)::int AS correct,
             jsonb_array_length(q.questions)::int AS total
      FROM quiz_attempts a
      JOIN quizzes q ON q.id = a.quiz_id
      JOIN users u ON u.id = a.user_id
      LEFT JOIN interventions i ON i.id = q.intervention_id
      WHERE a.id = ${attemptId}`.execute(tx),
    );
    const row = rows[0];
    if (row?.score_state !== 'pending') return;
    const fail = (reason: string) => settle(row.course_id, attemptId, 'failed', reason);
    if (!row.lineitem_url) return fail('The quiz has no LMS grade line item');
    if (!row.lti_sub) return fail('The student has no LTI user id (they never launched Class Assist from the LMS)');
    const ags = await courseAgs?.(row.course_id);
    if (!ags) return fail('The course has no LTI grade service any more');
    try {
      await ags.client.postScore(row.lineitem_url, {
        userId: row.lti_sub,
        scoreGiven: row.correct,
        scoreMaximum: row.total,
        timestamp: row.finished_at,
        activityProgress: 'Completed',
        gradingProgress: 'FullyGraded',
        comment: 'Remedial quiz taken in Class Assist',
      });
      return await settle(row.course_id, attemptId, 'posted', null);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const permanent = platformRefused(err);
      log.warn({ attempt_id: attemptId, permanent: permanent || lastAttempt, err: message }, 'lms score not posted');
      if (permanent || lastAttempt) return fail(message);
      throw err;
    }
  };
}
