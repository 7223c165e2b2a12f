/**
 * `GET /api/live`: a server-sent-events stream per open page, telling it when its course changed so it refreshes its
 * widget. An open page is presence: it marks its user active while connected.
 */
import type { ServerResponse } from 'node:http';
import type { LiveEvent } from '@class-assist/contracts';
import type { FastifyInstance } from 'fastify';
import type { TokenService } from '../auth/tokens.js';
import { inCourse } from '../db/course-scope.js';
import { touchMember } from '../domain/course.repository.js';
import type { DomainDeps } from '../domain/deps.js';
import { AppError } from '../errors.js';
import { openEventStream } from '../http/event-stream.js';
import { readIdentity } from '../http/session.js';
import type { CourseEvents } from './course-events.js';

const KEEPALIVE_MS = 25_000;
const PRESENCE_MS = 60_000;

export function liveRoutes(deps: DomainDeps, tokens: TokenService, events: CourseEvents) {
  const open = new Set<ServerResponse>();
  return async (app: FastifyInstance) => {
    // On shutdown, end every stream with the reconnect hint sent at its start, so pages move to another instance.
    app.addHook('preClose', async () => {
      for (const raw of open) raw.end();
      await events.close();
    });
    app.get(
      '/api/live',
      { schema: { tags: ['page'], summary: 'Live course updates (server-sent events)' } },
      async (request, reply) => {
        const query = request.query as { client_secret?: unknown };
        const identity =
          typeof query.client_secret === 'string'
            ? await tokens.verify('chatkit', query.client_secret)
            : await readIdentity(request, tokens, ['chatkit', 'session']);
        if (!identity) throw new AppError('unauthorized', 'No session: open Class Assist from your course first');
        const markPresent = () =>
          inCourse(deps.db, identity.courseId, (tx) =>
            touchMember(tx, identity.courseId, identity.userId, deps.clock()),
          ).catch((err) => request.log.warn({ err: (err as Error).message }, 'presence update failed'));
        await markPresent();

        // Listening before the stream says hello: a page that saw hello misses no change made after it.
        let raw: ServerResponse | undefined;
        const send = (event: LiveEvent) => raw?.write(`data: ${JSON.stringify(event)}\n\n`);
        const unsubscribe = await events.subscribe(identity.courseId, (reason, spikeAt) => {
          send({ type: 'course.changed', course_id: identity.courseId, reason: reason as 'confusion' });
          // The instructor's page now refreshes into the spike warning: how long after the triggering ping.
          if (spikeAt !== undefined && identity.role === 'instructor') {
            deps.metrics?.spikeNotifySeconds.observe(Math.max(0, Date.now() - spikeAt) / 1000);
          }
        });
        if (request.raw.destroyed) {
          unsubscribe(); // the page went away while we started listening
          return reply;
        }
        const stream = openEventStream(reply);
        raw = stream;
        stream.write('retry: 2000\n\n');
        send({ type: 'hello', course_id: identity.courseId });
        const keepalive = setInterval(() => stream.write(': keepalive\n\n'), KEEPALIVE_MS);
        const presence = setInterval(markPresent, PRESENCE_MS);
        open.add(stream);
        deps.metrics?.sseConnections.inc();
        stream.once('close', () => {
          deps.metrics?.sseConnections.dec();
          open.delete(stream);
          unsubscribe();
          clearInterval(keepalive);
          clearInterval(presence);
        });
      },
    );
  };
}
