/** The widget's "Next question": which question of an attempt to show next, and the result once none is left. */

import { type Actor, assertCourseAccess } from '../access/actor.js';
import type { DomainDeps } from '../domain/deps.js';
import { loadQuizAttempt } from '../domain/quiz-attempt.service.js';
import { AppError } from '../errors.js';
import { nextOpenQuestion } from './widget-quiz.js';
import { quizResultMessage } from './widget-state.js';

export interface QuizStep {
  /** The next unanswered question after the one shown, or null when none is left. */
  question_id: string | null;
  finished: boolean;
  /** Markdown: the score and what to review, once the attempt is finished and nothing is left to show. */
  result_message: string | null;
}

export async function nextQuizQuestion(
  deps: DomainDeps,
  actor: Actor,
  input: { course_id: string; attempt_id: string; after_question_id?: string },
): Promise<QuizStep> {
  assertCourseAccess(actor, input.course_id);
  if (actor.kind !== 'member')
    throw new AppError('validation_failed', 'Only the student taking a quiz moves through it');
  const attempt = await loadQuizAttempt(deps, actor, input.course_id, input.attempt_id);
  const next = nextOpenQuestion(attempt, input.after_question_id ?? null) ?? null;
  const done = next === null && attempt.finished;
  return {
    question_id: next,
    finished: attempt.finished,
    result_message: done ? await quizResultMessage(deps, actor, attempt) : null,
  };
}
