/** Internal: a stored quiz as a file an LMS imports (`GET /api/quizzes/{quizId}/export`). */
import { exportQuizFile, QUIZ_EXPORT_FORMATS, type QuizExportFormat } from '../domain/quiz-export/render.js';
import { defineFunction } from './function.js';
import { ID, objectSchema } from './validation.js';

export const exportQuizFunction = defineFunction({
  name: 'export_quiz',
  schema: objectSchema({ quiz_id: ID, format: { type: 'string', enum: [...QUIZ_EXPORT_FORMATS] } }),
  run: (deps, actor, args: { quiz_id: string; format: QuizExportFormat }) => exportQuizFile(deps, actor, args),
});
