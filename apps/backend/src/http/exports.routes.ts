/** `GET /api/exports/{token}`: the download behind the widget's Export button (a signed link, valid for minutes). */

import type { FastifyInstance } from 'fastify';
import type { TokenService } from '../auth/tokens.js';
import { memberActor } from '../functions/function.js';
import type { FunctionRegistry } from '../functions/registry.js';
import { sendDownload } from './send-download.js';

export function exportRoutes(registry: FunctionRegistry, tokens: TokenService) {
  return async (app: FastifyInstance) => {
    app.get(
      '/api/exports/:token',
      { schema: { tags: ['page'], summary: 'Download a confusion export (signed link)' } },
      async (request, reply) => {
        const { token } = request.params as { token: string };
        const member = await tokens.verify('export', token);
        const format = member.extra.format === 'json' ? 'json' : 'csv';
        const stream = await registry.invoke('export_confusion_data', memberActor(member), {
          course_id: member.courseId,
          format,
        });
        return sendDownload(reply, stream);
      },
    );
  };
}
