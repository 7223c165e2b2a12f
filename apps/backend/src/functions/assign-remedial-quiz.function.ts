/** `assign_remedial_quiz`, as the specification defines it: the quiz is made now, on `topics` or the confusion. */
import { assignRemedialQuiz } from '../domain/intervention.service.js';
import { specFunction } from './spec-function.js';

export const assignRemedialQuizFunction = specFunction('assign_remedial_quiz', (deps, actor, args, options) =>
  assignRemedialQuiz(deps, actor, args, options),
);
