/** Takes a reply over from Fastify and opens a server-sent-events stream on it. */
import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';

export function openEventStream(reply: FastifyReply): ServerResponse {
  reply.hijack();
  reply.raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    // Proxies (nginx) must pass events on at once.
    'x-accel-buffering': 'no',
    connection: 'keep-alive',
    'x-request-id': String(reply.request.id),
  });
  return reply.raw;
}
