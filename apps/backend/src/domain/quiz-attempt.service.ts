/**
 * Taking a quiz: a student starts an attempt on a quiz of their course, answers its questions one by one (the first
 * answer to a question counts), and the attempt finishes when every question is answered. Finished attempts feed the
 * improvement metric (README, "Improvement").
 */

import { randomUUID } from 'node:crypto';
import { type Actor, assertActingAs, assertCourseAccess, assertInstructor } from '../access/actor.js';
import type { StudySource } from '../ai/provider.js';
import { inCourse } from '../db/course-scope.js';
import { AppError } from '../errors.js';
import type { DomainDeps } from './deps.js';
import {
  type AttemptRow,
  findAttempt,
  finishAttempt,
  flaggedTopicAccuracy,
  insertAnswer,
  insertAttempt,
  listAnswers,
} from './quiz-attempt.repository.js';
import type { QuizQuestion } from './study.service.js';
import { isUuid } from './uuid.js';

export interface QuizAnswer {
  choice_index: number;
  correct: boolean;
}

/** An attempt as its taker sees it: the quiz, the answers so far (by question id) and whether it is finished. */
export interface QuizAttempt {
  attempt_id: string;
  quiz_id: string;
  topics: string[];
  source: StudySource;
  questions: QuizQuestion[];
  answers: Map<string, QuizAnswer>;
  finished: boolean;
}

export interface AnswerOutcome {
  attempt: QuizAttempt;
  /** false when the question had been answered before: the first answer stands. */
  recorded: boolean;
}

/** Starts an attempt of `user_id` on a quiz of the course. */
export async function startQuizAttempt(
  deps: DomainDeps,
  actor: Actor,
  input: { course_id: string; user_id: string; quiz_id: string },
): Promise<QuizAttempt> {
  assertActingAs(actor, input.course_id, input.user_id);
  const id = randomUUID();
  return inCourse(deps.db, input.course_id, async (tx) => {
    const quiz = isUuid(input.quiz_id)
      ? await tx
          .selectFrom('quizzes')
          .select('id')
          .where('course_id', '=', input.course_id)
          .where('id', '=', input.quiz_id)
          .executeTakeFirst()
      : undefined;
    if (!quiz) throw new AppError('not_found', 'That quiz was not found');
    const now = deps.clock();
    await insertAttempt(tx, {
      id,
      quiz_id: quiz.id,
      course_id: input.course_id,
      user_id: input.user_id,
      started_at: now,
    });
    const row = await findAttempt(tx, input.course_id, id);
    if (!row) throw new AppError('internal', 'The new quiz attempt vanished');
    return toAttempt(row, []);
  });
}

/** The attempt, if it belongs to the actor's course (and, for a member, to the member). */
export async function loadQuizAttempt(
  deps: DomainDeps,
  actor: Actor,
  courseId: string,
  attemptId: string,
): Promise<QuizAttempt> {
  assertCourseAccess(actor, courseId);
  return inCourse(deps.db, courseId, async (tx) => {
    const row = await ownAttempt(tx, actor, courseId, attemptId, false);
    return toAttempt(row, await listAnswers(tx, attemptId));
  });
}

/** Scores and stores one answer; answering the last open question finishes the attempt. */
export async function answerQuizQuestion(
  deps: DomainDeps,
  actor: Actor,
  input: { course_id: string; attempt_id: string; question_id: string; choice_index: number },
): Promise<AnswerOutcome> {
  assertCourseAccess(actor, input.course_id);
  const outcome = await inCourse(deps.db, input.course_id, async (tx) => {
    const row = await ownAttempt(tx, actor, input.course_id, input.attempt_id, true);
    const questions = row.questions as QuizQuestion[];
    const question = questions.find((q) => q.id === input.question_id);
    if (!question) throw new AppError('validation_failed', 'That question is not part of this quiz');
    const choice = input.choice_index;
    if (!Number.isInteger(choice) || choice < 0 || choice >= question.choices.length)
      throw new AppError('validation_failed', `Choose one of the ${question.choices.length} answers`);
    const now = deps.clock();
    const recorded = await insertAnswer(tx, {
      attempt_id: row.id,
      course_id: input.course_id,
      question_id: question.id,
      slide_id: question.slide_id,
      choice_index: choice,
      correct: choice === question.answer_index,
      answered_at: now,
    });
    const answers = await listAnswers(tx, row.id);
    let postScore = false;
    if (!row.finished_at && answers.length >= questions.length) {
      postScore = await finishAttempt(tx, row.id, now);
      row.finished_at = now;
    }
    return { attempt: toAttempt(row, answers), recorded, postScore };
  });
  // A quiz assigned with an LMS grade line item: the score goes back through the outbox (lms/score-delivery.ts).
  if (outcome.postScore) await deps.lms?.outbox.enqueue({ kind: 'score', id: input.attempt_id });
  return { attempt: outcome.attempt, recorded: outcome.recorded };
}

/**
 * The improvement metric in percentage points: accuracy on the student's flagged topics in their latest finished
 * attempt minus that in their first (null with fewer than two such attempts). For the course (no `userId`): the mean
 * over the students who have a figure.
 */
export async function quizImprovement(
  deps: DomainDeps,
  actor: Actor,
  courseId: string,
  userId?: string,
): Promise<{ points: number | null; students: number }> {
  if (userId === undefined) assertInstructor(actor, courseId);
  else assertActingAs(actor, courseId, userId);
  const rows = await inCourse(deps.db, courseId, (tx) => flaggedTopicAccuracy(tx, courseId, userId));
  const changes = rows.filter((r) => r.attempts >= 2).map((r) => (r.latest - r.first) * 100);
  if (changes.length === 0) return { points: null, students: 0 };
  const mean = changes.reduce((sum, change) => sum + change, 0) / changes.length;
  return { points: Math.round(mean), students: changes.length };
}

/** "+20%", "-10%", "+0%"; "—" without a figure. */
export function formatImprovement(points: number | null): string {
  if (points === null) return '—';
  return `${points < 0 ? '-' : '+'}${Math.abs(points)}%`;
}

async function ownAttempt(
  tx: Parameters<typeof findAttempt>[0],
  actor: Actor,
  courseId: string,
  attemptId: string,
  lock: boolean,
): Promise<AttemptRow> {
  const row = isUuid(attemptId) ? await findAttempt(tx, courseId, attemptId, lock) : undefined;
  // Someone else's attempt is "not found", like a missing one.
  if (!row || (actor.kind === 'member' && row.user_id !== actor.userId))
    throw new AppError('not_found', 'That quiz attempt was not found');
  return row;
}

function toAttempt(
  row: AttemptRow,
  answers: readonly { question_id: string; choice_index: number; correct: boolean }[],
) {
  return {
    attempt_id: row.id,
    quiz_id: row.quiz_id,
    topics: row.topics,
    source: row.source as StudySource,
    questions: row.questions as QuizQuestion[],
    answers: new Map(answers.map((a) => [a.question_id, { choice_index: a.choice_index, correct: a.correct }])),
    finished: row.finished_at !== null,
  } satisfies QuizAttempt;
}
