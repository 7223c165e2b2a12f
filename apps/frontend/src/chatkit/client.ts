/**
 * A small client for the ChatKit protocol endpoint (`POST /chatkit`): one JSON body `{type, params}` per request,
 * authorised with the session's bearer client secret. Streaming requests answer server-sent events.
 */
import { readSse } from './sse';
import type { ThreadStreamEvent } from './types';

/** An error answer (`{error, message}`), a network failure, or an unreadable answer. */
export class ChatKitError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
    this.name = 'ChatKitError';
  }
}

export interface ChatKitClientOptions {
  url: string;
  /** The current client secret; `refresh` asks for a new one (after a 401 or near expiry). */
  getSecret: (refresh: boolean) => Promise<string>;
  fetch?: typeof fetch;
}

export class ChatKitClient {
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: ChatKitClientOptions) {
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /** A non-streaming request: the JSON answer. */
  async request<T>(type: string, params: Record<string, unknown>, signal?: AbortSignal): Promise<T> {
    const response = await this.send(type, params, 'application/json', signal);
    return (await response.json()) as T;
  }

  /** A streaming request: calls `onEvent` for each event until the stream ends. */
  async stream(
    type: string,
    params: Record<string, unknown>,
    onEvent: (event: ThreadStreamEvent) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    const response = await this.send(type, params, 'text/event-stream', signal);
    const contentType = response.headers.get('content-type') ?? '';
    if (!contentType.includes('text/event-stream') || !response.body) {
      throw new ChatKitError(
        `Expected an event stream for ${type}, got ${contentType || 'nothing'}`,
        502,
        'bad_answer',
      );
    }
    await readSse(response.body, (data) => {
      let event: ThreadStreamEvent;
      try {
        event = JSON.parse(data) as ThreadStreamEvent;
      } catch {
        console.warn('ChatKit: ignoring an event that is not JSON', data);
        return;
      }
      onEvent(event);
    });
  }

  private async send(
    type: string,
    params: Record<string, unknown>,
    accept: string,
    signal?: AbortSignal,
  ): Promise<Response> {
    const body = JSON.stringify({ type, params, metadata: {} });
    let response = await this.post(body, accept, await this.options.getSecret(false), signal);
    if (response.status === 401) {
      // The client secret expired: ask for a new one once.
      response = await this.post(body, accept, await this.options.getSecret(true), signal);
    }
    if (!response.ok) throw await errorFrom(response);
    return response;
  }

  private async post(body: string, accept: string, secret: string, signal?: AbortSignal): Promise<Response> {
    try {
      return await this.fetchImpl(this.options.url, {
        method: 'POST',
        headers: { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json', Accept: accept },
        body,
        signal,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new ChatKitError('Class Assist cannot be reached. Check your connection and try again.', 0, 'network');
    }
  }
}

/** Reads an error answer `{error, message}`; anything else becomes a generic message with the status. */
export async function errorFrom(response: Response): Promise<ChatKitError> {
  let code = `http_${response.status}`;
  let message =
    response.status >= 502 && response.status <= 504
      ? `The Class Assist server is not answering (${response.status}). It may be restarting: try again in a moment.`
      : `The server answered ${response.status} ${response.statusText}`.trim();
  try {
    const body = (await response.json()) as { error?: unknown; message?: unknown };
    if (typeof body.error === 'string') code = body.error;
    if (typeof body.message === 'string' && body.message) message = body.message;
  } catch {
    // Not JSON: keep the generic message.
  }
  return new ChatKitError(message, response.status, code);
}
