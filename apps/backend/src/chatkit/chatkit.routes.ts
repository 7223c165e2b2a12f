/**
 * `POST /api/chatkit/session` (a client secret and the initial widget state) and `POST /chatkit` (the ChatKit
 * protocol, authorised by that client secret or the browser session).
 */
import { ChatKitRequestError, type ChatKitServer, encodeEvent, toWireJson } from '@class-assist/chatkit-server';
import type { ChatKitSessionResponse } from '@class-assist/contracts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { mapRoles } from '../access/roles.js';
import type { Identity, TokenService } from '../auth/tokens.js';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import { memberActor } from '../functions/function.js';
import type { FunctionRegistry } from '../functions/registry.js';
import { compileValidator, ID } from '../functions/validation.js';
import { requireBearer } from '../http/auth.js';
import { openEventStream } from '../http/event-stream.js';
import { bearerToken, isSignedToken, readIdentity, requireIdentity } from '../http/session.js';
import { initialUi } from '../widget/widget-state.js';
import type { ChatContext } from './chatkit.store.js';
import { createHostedSession, hostedSessionsEnabled } from './hosted-session.js';

export interface ChatKitRoutesDeps {
  registry: FunctionRegistry;
  tokens: TokenService;
  config: Config;
  chatkit: ChatKitServer<ChatContext>;
}

export function chatkitRoutes({ registry, tokens, config, chatkit }: ChatKitRoutesDeps) {
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
        const actor = memberActor(claimed);
        const { course_name: courseName } = await registry.invoke('join_course', actor, {
          course_id: claimed.courseId,
          ...(claimed.courseName === claimed.courseId ? {} : { course_name: claimed.courseName }),
        });
        const identity = { ...claimed, courseName };
        const { token, expiresAt } = await tokens.issue('chatkit', identity);
        const widget_state = await registry.invoke('get_widget_state', actor, {
          course_id: identity.courseId,
          course_name: courseName,
          ui: initialUi(identity.role),
        });
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

const checkSessionBody = compileValidator<{ userId: string; courseId: string; courseName?: string; role: string }>(
  {
    type: 'object',
    required: ['userId', 'courseId', 'role'],
    additionalProperties: false,
    properties: {
      userId: { type: 'string', ...ID },
      courseId: { type: 'string', ...ID },
      courseName: { type: 'string', maxLength: 500 },
      // One role or several, as LTI full URIs or short forms, comma-separated.
      role: { type: 'string', minLength: 1, maxLength: 4000 },
    },
  },
  'session request',
);

function identityFromBody(body: unknown): Identity {
  const { userId, courseId, courseName, role } = checkSessionBody(body);
  return { userId, courseId, courseName: courseName?.trim() || courseId, role: mapRoles(role) };
}

/** Writes ChatKit events as server-sent events; a client that goes away stops the stream (and its work). */
async function streamEvents(reply: FastifyReply, events: AsyncGenerator<unknown>): Promise<void> {
  const raw = openEventStream(reply);
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
