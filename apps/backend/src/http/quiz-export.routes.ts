/**
 * `GET /api/quizzes/{quizId}/export?format=qti12|moodle-xml|gift|aiken`: a stored quiz (generate_quiz) as a file the
 * LMS imports. Bearer AGENTKIT_SECRET (any course), or an instructor session of the quiz's course (bearer session
 * token or the session cookie). An unknown quiz and another course's quiz both give 404.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TokenService } from '../auth/tokens.js';
import { AppError } from '../errors.js';
import type { FunctionRegistry } from '../functions/registry.js';
import { serviceOrMember } from './session.js';

const QUIZ_EXPORT_FORMATS = ['qti12', 'moodle-xml', 'gift', 'aiken'] as const;
type QuizExportFormat = (typeof QUIZ_EXPORT_FORMATS)[number];

export function quizExportRoutes(registry: FunctionRegistry, tokens: TokenService, secret: string) {
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
        const file = await registry.invoke('export_quiz', actor, {
          quiz_id: quizId,
          format: format as QuizExportFormat,
        });
        return reply
          .header('content-type', file.type)
          .header('content-disposition', `attachment; filename="${file.name}"`)
          .header('cache-control', 'no-store')
          .send(file.body);
      },
    );
  };
}
