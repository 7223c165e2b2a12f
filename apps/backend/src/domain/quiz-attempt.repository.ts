/** SQL for quiz attempts and answers. Every function runs inside the caller's course-scoped transaction. */
import { type Insertable, sql } from 'kysely';
import type { CourseTx } from '../db/course-scope.js';
import type { QuizAnswersTable } from '../db/schema.js';

export interface AttemptRow {
  id: string;
  quiz_id: string;
  user_id: string;
  started_at: Date;
  finished_at: Date | null;
  topics: string[];
  questions: unknown;
  source: string;
}

export interface AnswerRow {
  question_id: string;
  choice_index: number;
  correct: boolean;
}

export async function insertAttempt(
  tx: CourseTx,
  row: { id: string; quiz_id: string; course_id: string; user_id: string; started_at: Date },
): Promise<void> {
  await tx.insertInto('quiz_attempts').values(row).execute();
}

/** The attempt with its quiz, locked for update when `lock` is set (answers are then written one at a time). */
export async function findAttempt(
  tx: CourseTx,
  courseId: string,
  attemptId: string,
  lock = false,
): Promise<AttemptRow | undefined> {
  let query = tx
    .selectFrom('quiz_attempts as a')
    .innerJoin('quizzes as q', 'q.id', 'a.quiz_id')
    .select(['a.id', 'a.quiz_id', 'a.user_id', 'a.started_at', 'a.finished_at', 'q.topics', 'q.questions', 'q.source'])
    .where('a.course_id', '=', courseId)
    .where('a.id', '=', attemptId);
  if (lock) query = query.forUpdate('a');
  return query.executeTakeFirst();
}

export async function listAnswers(tx: CourseTx, attemptId: string): Promise<AnswerRow[]> {
  return tx
    .selectFrom('quiz_answers')
    .select(['question_id', 'choice_index', 'correct'])
    .where('attempt_id', '=', attemptId)
    .orderBy('answered_at')
    .execute();
}

/** Records an answer unless the question was answered already; true when this one was recorded. */
export async function insertAnswer(tx: CourseTx, row: Insertable<QuizAnswersTable>): Promise<boolean> {
  const inserted = await tx
    .insertInto('quiz_answers')
    .values(row)
    .onConflict((oc) => oc.columns(['attempt_id', 'question_id']).doNothing())
    .executeTakeFirst();
  return Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0;
}

/**
 * Marks the attempt finished; when its quiz was assigned with an LMS grade line item, its score becomes pending
 * (returns true: the caller queues it for the LMS after commit).
 */
export async function finishAttempt(tx: CourseTx, attemptId: string, at: Date): Promise<boolean> {
  const { rows } = await sql<{ score_state: string | null }>`
    UPDATE quiz_attempts a SET finished_at = ${at},
      score_state = CASE WHEN EXISTS (
        SELECT 1 FROM quizzes q JOIN interventions i ON i.id = q.intervention_id
        WHERE q.id = a.quiz_id AND i.lms ? 'lineitem_url') THEN 'pending' END
    WHERE a.id = ${attemptId}
    RETURNING a.score_state`.execute(tx);
  return rows[0]?.score_state === 'pending';
}

export interface TopicAccuracyRow {
  user_id: string;
  first: number;
  latest: number;
  attempts: number;
}

/**
 * Per student of the course (or only `userId`): accuracy on the topics they flagged in their first and latest
 * finished attempts that asked about those topics, and how many such attempts there are. A slide's topic is its
 * topic, else its title, else its id; "flagged" means the student pressed I'm confused on a slide of that topic.
 */
export async function flaggedTopicAccuracy(
  tx: CourseTx,
  courseId: string,
  userId?: string,
): Promise<TopicAccuracyRow[]> {
  const onlyUser = userId === undefined ? sql`` : sql`AND a.user_id = ${userId}`;
  const { rows } = await sql<TopicAccuracyRow>`
    WITH flagged AS (
      SELECT DISTINCT ce.user_id, COALESCE(NULLIF(s.topic, ''), NULLIF(s.title, ''), ce.slide_id) AS topic
      FROM confusion_events ce
      LEFT JOIN slides s ON s.course_id = ce.course_id AND s.id = ce.slide_id
      WHERE ce.course_id = ${courseId} AND ce.slide_id IS NOT NULL
    ),
    scored AS (
      SELECT a.user_id, a.seq, a.finished_at,
             (count(*) FILTER (WHERE ans.correct))::float8 / count(*) AS accuracy
      FROM quiz_attempts a
      JOIN quiz_answers ans ON ans.attempt_id = a.id
      LEFT JOIN slides s ON s.course_id = ans.course_id AND s.id = ans.slide_id
      JOIN flagged f ON f.user_id = a.user_id
                    AND f.topic = COALESCE(NULLIF(s.topic, ''), NULLIF(s.title, ''), ans.slide_id)
      WHERE a.course_id = ${courseId} AND a.finished_at IS NOT NULL ${onlyUser}
      GROUP BY a.user_id, a.seq, a.finished_at
    )
    SELECT user_id,
           (array_agg(accuracy ORDER BY finished_at, seq))[1] AS first,
           (array_agg(accuracy ORDER BY finished_at DESC, seq DESC))[1] AS latest,
           count(*)::int AS attempts
    FROM scored
    GROUP BY user_id`.execute(tx);
  return rows;
}
