/** Internal: the next question of the student's attempt to show, and the result once none is left. */
import { nextQuizQuestion } from '../widget/quiz-step.js';
import { defineFunction } from './function.js';
import { ID, objectSchema } from './validation.js';

export const nextQuizQuestionFunction = defineFunction({
  name: 'next_quiz_question',
  schema: objectSchema({ course_id: ID, attempt_id: ID, after_question_id: ID }, ['after_question_id']),
  run: (deps, actor, args: { course_id: string; attempt_id: string; after_question_id?: string }) =>
    nextQuizQuestion(deps, actor, args),
});
