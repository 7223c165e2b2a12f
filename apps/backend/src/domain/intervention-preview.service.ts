/**
 * What an intervention would do, shown to the instructor before it is sent: the message and who receives it, or the
 * remedial quiz itself (made and stored now, so the quiz confirmed is the quiz seen — an AI-made quiz is never
 * published unseen). Confirming calls notify_students_via_lms / confirm_remedial_quiz with the same arguments.
 */

import { type Actor, assertInstructor } from '../access/actor.js';
import { AppError } from '../errors.js';
import type { DomainDeps } from './deps.js';
import type { QuizType } from './intervention.service.js';
import type { RecipientFilter } from './recipients.repository.js';
import { makeQuiz } from './study.service.js';

/** Who a recipient filter reaches, in the instructor's words. */
export const RECIPIENT_WORDS: Record<RecipientFilter, string> = {
  confused_students: 'the students confused in this lecture',
  struggling_students: 'the students who are struggling',
  all_students: 'all students',
};

export interface NotificationPreview {
  /** Markdown: the question to confirm, with the message quoted. */
  summary: string;
}

export interface RemedialQuizPreview {
  quiz_id: string;
  topics: string[];
  summary: string;
}

export async function previewNotification(
  _deps: DomainDeps,
  actor: Actor,
  input: { course_id: string; recipient_filter: RecipientFilter; message: string },
): Promise<NotificationPreview> {
  assertInstructor(actor, input.course_id);
  const message = input.message.trim();
  return {
    summary: `Send this message to ${RECIPIENT_WORDS[input.recipient_filter]} through the LMS?\n\n> ${message.replace(/\n/g, '\n> ')}`,
  };
}

export async function previewRemedialQuiz(
  deps: DomainDeps,
  actor: Actor,
  input: { course_id: string; quiz_type: QuizType; topics?: string[] },
): Promise<RemedialQuizPreview> {
  assertInstructor(actor, input.course_id);
  const topics = (input.topics ?? []).map((topic) => topic.trim()).filter(Boolean);
  const quiz = await makeQuiz(deps, actor, {
    course_id: input.course_id,
    user_id: null,
    focus: topics.length > 0 ? topics.join(', ') : 'confusion-zones',
  });
  if (quiz.questions.length === 0) {
    throw new AppError('validation_failed', quiz.message ?? 'The course notes have nothing to quiz on yet.');
  }
  const on = quiz.topics.length > 0 ? quiz.topics.join(', ') : "the class's top confusion topics";
  const summary = [
    `Assign this ${input.quiz_type} quiz on **${on}** to the students confused in this lecture?`,
    '',
    ...quiz.questions.flatMap((q, i) => [
      `${i + 1}. ${q.prompt}`,
      ...q.choices.map((c, k) => `   - ${k === q.answer_index ? '✓' : '○'} ${c}`),
    ]),
    ...(quiz.message ? ['', `_${quiz.message}_`] : []),
  ].join('\n');
  return { quiz_id: quiz.quiz_id, topics, summary };
}
