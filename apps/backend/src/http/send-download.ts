/** Sends a streamed export as a download; a client that goes away releases the export's database connection. */
import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { ExportStream } from '../functions/function.js';

export function sendDownload(reply: FastifyReply, stream: ExportStream) {
  reply.raw.once('close', () => void stream.close());
  return reply
    .type(stream.contentType)
    .header('content-disposition', `attachment; filename="${stream.filename}"`)
    .header('cache-control', 'no-store')
    .send(Readable.from(stream.chunks));
}
