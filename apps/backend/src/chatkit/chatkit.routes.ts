/**
 * `POST /api/chatkit/session` (a client secret and the initial widget state) and `POST /chatkit` (the ChatKit
 * protocol, authorised by that client secret or the browser session).
 */
import { ChatKitRequestError, type ChatKitServer, encodeEvent, toWireJson } from '@class-assist/chatkit-server';
import type { ChatKitSessionResponse } from '@class-assist/contracts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Identity, TokenService } from '../auth/tokens.js';
import type { Config } from '../config.js';
import type { DomainDeps } from '../domain/deps.js';
import { joinCourse } from '../domain/membership.service.js';
import { mapRoles } from '../domain/roles.js';
import { buildWidgetState, initialUi } from '../domain/widget-state.service.js';
import { AppError } from '../errors.js';
import { requireBearer } from '../http/auth.js';
import { bearerToken, isSignedToken, readIdentity, requireIdentity } from '../http/session.js';
import type { ChatContext } from './chatkit.store.js';
import { createHostedSession, hostedSessionsEnabled } from './hosted-session.js';

export interface ChatKitRoutesDeps {
  deps: DomainDeps;
  tokens: TokenService;
  config: Config;
  chatkit: ChatKitServer<ChatContext>;
}

export function chatkitRoutes({ deps, tokens, config, chatkit }: ChatKitRoutesDeps) {
  const checkAgentkitSecret = requireBearer(config.agentkitSecret);

  /**
   * Identity for a new ChatKit session: the browser session (its token as bearer, or the cookie); else the body, when
   * the caller holds the AgentKit secret, or in development.
   */
  async function sessionIdentity(request: FastifyRequest): Promise<Identity> {
    const bearer = bearerToken(request);
    if (bearer && !isSignedToken(bearer)) {
      await checkAgentkitSecret(request);
      return identityFromBody(request.body);
    }
    const session = await readIdentity(request, tokens, ['session']);
    if (session) return session;
    if (config.nodeEnv !== 'production') return identityFromBody(request.body);
    throw new AppError('unauthorized', 'Open Class Assist from your course (LMS), or call with the AgentKit secret');
  }

  return async (app: FastifyInstance) => {
    app.post(
      '/api/chatkit/session',
      { schema: { tags: ['chatkit'], summary: 'A ChatKit client secret and the initial widget state' } },
      async (request): Promise<ChatKitSessionResponse> => {
        const claimed = await sessionIdentity(request);
        // The course keeps the name it was given; the token carries the name the course has.
        const courseName = await joinCourse(deps, {
          ...claimed,
          courseName: claimed.courseName === claimed.courseId ? undefined : claimed.courseName,
        });
        const identity = { ...claimed, courseName };
        const { token, expiresAt } = await tokens.issue('chatkit', identity);
        const widget_state = await buildWidgetState(deps, identity, initialUi(identity.role));
        return {
          client_secret: token,
          expires_at: expiresAt.toISOString(),
          widget_state,
          ...(hostedSessionsEnabled(config) ? { hosted: await createHostedSession(config, identity) } : {}),
          ...(config.chatkit.domainKey
            ? { chatkit: { url: `${config.publicUrl}/chatkit`, domain_key: config.chatkit.domainKey } }
            : {}),
        };
      },
    );

    app.post(
      '/chatkit',
      { bodyLimit: 256 * 1024, schema: { tags: ['chatkit'], summary: 'The ChatKit protocol' } },
      async (request, reply) => {
        const member = await requireIdentity(request, tokens, ['chatkit']);
        let result: Awaited<ReturnType<typeof chatkit.process>>;
        try {
          result = await chatkit.process(request.body, { member });
        } catch (err) {
          if (err instanceof ChatKitRequestError) {
            return reply.code(err.status).send({ error: err.code, message: err.message });
          }
          throw err;
        }
        if (result.kind === 'json') return reply.type('application/json; charset=utf-8').send(toWireJson(result.body));
        return streamEvents(reply, result.events);
      },
    );
  };
}

function identityFromBody(body: unknown): Identity {
  const fields = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const details = (['userId', 'courseId', 'role'] as const)
    .filter(
      (key) =>
        typeof fields[key] !== 'string' ||
        (fields[key] as string).trim() === '' ||
        (fields[key] as string).length > 255,
    )
    .map((key) => ({ path: key, message: 'is required (a non-empty string)' }));
  if (details.length > 0) {
    throw new AppError(
      'validation_failed',
      `Invalid session request: ${details.map((d) => d.path).join(', ')} required`,
      { details },
    );
  }
  const courseId = fields.courseId as string;
  const courseName =
    typeof fields.courseName === 'string' && fields.courseName.trim()
      ? fields.courseName.trim().slice(0, 500)
      : courseId;
  return { userId: fields.userId as string, courseId, courseName, role: mapRoles(fields.role as string) };
}

/** Writes ChatKit events as server-sent events; a client that goes away stops the stream (and its work). */
async function streamEvents(reply: FastifyReply, events: AsyncGenerator<unknown>): Promise<void> {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    'x-accel-buffering': 'no',
    'x-request-id': String(reply.request.id),
  });
  let closed = false;
  raw.once('close', () => {
    closed = true;
    void events.return(undefined);
  });
  try {
    for await (const event of events) {
      if (closed) break;
      raw.write(encodeEvent(event));
    }
  } catch (err) {
    reply.request.log.error({ err }, 'ChatKit stream failed');
    if (!closed) raw.write(encodeEvent({ type: 'error', code: 'stream.error', allow_retry: true }));
  } finally {
    raw.end();
  }
}
