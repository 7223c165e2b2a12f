/** Internal: a student starts taking a quiz of their course (the widget's quiz panel). */
import { startQuizAttempt } from '../domain/quiz-attempt.service.js';
import { defineFunction } from './function.js';
import { ID, objectSchema } from './validation.js';

export const startQuizAttemptFunction = defineFunction({
  name: 'start_quiz_attempt',
  schema: objectSchema({ course_id: ID, user_id: ID, quiz_id: ID }),
  run: (deps, actor, args: { course_id: string; user_id: string; quiz_id: string }) =>
    startQuizAttempt(deps, actor, args),
});
