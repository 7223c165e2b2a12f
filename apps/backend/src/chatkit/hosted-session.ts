/**
 * The legacy hosted path (Agent Builder workflow): with CHATKIT_WORKFLOW_ID and OPENAI_API_KEY, a ChatKit session is
 * also created at OpenAI, whose client secret lets OpenAI's hosted ChatKit run the workflow.
 */
import type { Identity } from '../auth/tokens.js';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';

export interface HostedSession {
  client_secret: string;
  expires_at: string;
}

export function hostedSessionsEnabled(config: Config): boolean {
  return Boolean(config.chatkit.workflowId && config.openai.apiKey);
}

export async function createHostedSession(config: Config, identity: Identity): Promise<HostedSession> {
  // Imported here: the OpenAI SDK is large, and only this legacy path (and a configured model) needs it.
  const { default: OpenAI } = await import('openai');
  const client = new OpenAI({
    apiKey: config.openai.apiKey,
    ...(config.openai.baseUrl ? { baseURL: config.openai.baseUrl } : {}),
    // The page waits for this: fail within seconds rather than hold the session request.
    timeout: 8_000,
    maxRetries: 1,
  });
  try {
    const session = await client.beta.chatkit.sessions.create({
      user: `${identity.courseId}:${identity.userId}`,
      workflow: {
        id: config.chatkit.workflowId,
        // state_variables hold primitives only: the widget state itself is rendered by Class Assist.
        state_variables: {
          course_id: identity.courseId,
          course_name: identity.courseName,
          role: identity.role,
          user_id: identity.userId,
        },
      },
    });
    return { client_secret: session.client_secret, expires_at: new Date(session.expires_at * 1000).toISOString() };
  } catch (err) {
    const status = (err as { status?: number }).status;
    throw new AppError(
      'bad_gateway',
      `OpenAI refused to create the hosted ChatKit session${status ? ` (HTTP ${status})` : ''}: ${(err as Error).message}`,
    );
  }
}
