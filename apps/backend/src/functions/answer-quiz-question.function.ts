/** Internal: one answer to a question of the student's quiz attempt (the first answer counts). */
import { answerQuizQuestion } from '../domain/quiz-attempt.service.js';
import { defineFunction } from './function.js';
import { ID, objectSchema } from './validation.js';

export const answerQuizQuestionFunction = defineFunction({
  name: 'answer_quiz_question',
  schema: objectSchema({
    course_id: ID,
    attempt_id: ID,
    question_id: ID,
    // Whether the index names one of the question's choices is the domain's check, which says how many there are.
    choice_index: { type: 'integer' },
  }),
  run: (deps, actor, args: { course_id: string; attempt_id: string; question_id: string; choice_index: number }) =>
    answerQuizQuestion(deps, actor, args),
});
