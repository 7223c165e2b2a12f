/** Internal: assigns the quiz a preview_remedial_quiz showed (assign_remedial_quiz with that quiz's id). */
import type { FunctionArgs } from '@class-assist/contracts';
import { assignRemedialQuiz } from '../domain/intervention.service.js';
import { defineFunction } from './function.js';
import { enforcedSchema, ID } from './validation.js';

const assign = enforcedSchema('assign_remedial_quiz');

export const confirmRemedialQuizFunction = defineFunction({
  name: 'confirm_remedial_quiz',
  schema: {
    ...assign,
    properties: { ...assign.properties, quiz_id: ID },
    required: [...((assign.required as string[]) ?? []), 'quiz_id'],
  },
  run: (deps, actor, args: FunctionArgs['assign_remedial_quiz'] & { quiz_id: string }, options) =>
    assignRemedialQuiz(deps, actor, args, options),
});
