/**
 * Internal: the remedial quiz assign_remedial_quiz would assign, made and stored now so the instructor sees it before
 * confirming (confirm_remedial_quiz assigns exactly this quiz). Arguments as assign_remedial_quiz's.
 */
import { previewRemedialQuiz } from '../domain/intervention-preview.service.js';
import { defineFunction } from './function.js';
import { enforcedSchema } from './validation.js';

export const previewRemedialQuizFunction = defineFunction({
  name: 'preview_remedial_quiz',
  schema: enforcedSchema('assign_remedial_quiz'),
  run: previewRemedialQuiz,
});
