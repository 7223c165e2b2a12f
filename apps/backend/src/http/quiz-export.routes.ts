/**
 * `GET /api/quizzes/{quizId}/export?format=qti12|moodle-xml|gift|aiken`: a stored quiz (generate_quiz) as a file the
 * LMS imports. Bearer AGENTKIT_SECRET (any course), or an instructor session of the quiz's course (bearer session
 * token or the session cookie). An unknown quiz and another course's quiz both give 404.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TokenService } from '../auth/tokens.js';
import type { DomainDeps } from '../domain/deps.js';
import { quizToAiken } from '../domain/quiz-export/aiken.js';
import { quizToGift } from '../domain/quiz-export/gift.js';
import { quizToMoodleXml } from '../domain/quiz-export/moodle-xml.js';
import { quizToQti12 } from '../domain/quiz-export/qti12.js';
import type { ExportQuiz } from '../domain/quiz-export/quiz.js';
import { findQuiz, type StoredQuiz } from '../domain/study.service.js';
import { AppError } from '../errors.js';
import { serviceOrMember } from './session.js';

export const QUIZ_EXPORT_FORMATS = ['qti12', 'moodle-xml', 'gift', 'aiken'] as const;
type QuizExportFormat = (typeof QUIZ_EXPORT_FORMATS)[number];

function exportQuiz(quiz: StoredQuiz): ExportQuiz {
  const topics = quiz.topics.length > 0 ? `: ${quiz.topics.join(', ')}` : '';
  return {
    title: `Class Assist quiz${topics}`,
    questions: quiz.questions.map((q) => ({
      id: q.id,
      prompt: q.prompt,
      choices: q.choices,
      answer_index: q.answer_index,
      explanation: q.explanation,
    })),
  };
}

function render(quiz: StoredQuiz, format: QuizExportFormat): { type: string; name: string; body: string | Buffer } {
  const base = `quiz-${quiz.id}`;
  const data = exportQuiz(quiz);
  switch (format) {
    case 'qti12':
      return { type: 'application/zip', name: `${base}-qti12.zip`, body: quizToQti12(data, { ident: base }).zip };
    case 'moodle-xml':
      return { type: 'application/xml; charset=utf-8', name: `${base}-moodle.xml`, body: quizToMoodleXml(data) };
    case 'gift':
      return { type: 'text/plain; charset=utf-8', name: `${base}.gift.txt`, body: quizToGift(data) };
    case 'aiken':
      return { type: 'text/plain; charset=utf-8', name: `${base}.aiken.txt`, body: quizToAiken(data) };
  }
}

export function quizExportRoutes(deps: DomainDeps, tokens: TokenService, secret: string) {
  const readActor = (request: FastifyRequest) => serviceOrMember(request, tokens, secret, 'export');

  return async (app: FastifyInstance) => {
    app.get(
      '/api/quizzes/:quizId/export',
      {
        schema: {
          tags: ['quizzes'],
          security: [{ bearer: [] }],
          summary: 'Download a quiz made by generate_quiz as QTI 1.2 (zip), Moodle XML, GIFT or Aiken',
          params: {
            type: 'object',
            properties: { quizId: { type: 'string', minLength: 1, maxLength: 255 } },
            required: ['quizId'],
          },
        },
      },
      async (request, reply) => {
        const actor = await readActor(request);
        const { quizId } = request.params as { quizId: string };
        const format = (request.query as Record<string, unknown>).format;
        if (typeof format !== 'string' || !(QUIZ_EXPORT_FORMATS as readonly string[]).includes(format)) {
          throw new AppError('validation_failed', `format must be one of ${QUIZ_EXPORT_FORMATS.join(', ')}`, {
            details: [{ path: '/format', message: `must be one of ${QUIZ_EXPORT_FORMATS.join(', ')}` }],
          });
        }
        const quiz = await findQuiz(deps, actor, quizId);
        if (!quiz) throw new AppError('not_found', `Quiz ${quizId} was not found`);
        const file = render(quiz, format as QuizExportFormat);
        return reply
          .header('content-type', file.type)
          .header('content-disposition', `attachment; filename="${file.name}"`)
          .header('cache-control', 'no-store')
          .send(file.body);
      },
    );
  };
}
