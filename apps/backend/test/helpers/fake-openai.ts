/**
 * A fake OpenAI API on loopback (node:http, a free port) for tests: `POST /v1/chat/completions`,
 * `POST /v1/responses` (each as JSON, or as server-sent events when the request says `stream: true`) and
 * `GET /v1/models`. Point the `openai` SDK (or `@openai/agents`) at `fake.baseURL`; script what the model answers
 * with `fake.enqueue(...)` (replies are consumed in order) and read what it was asked in `fake.requests`.
 *
 *   const fake = await startFakeOpenAI();
 *   fake.enqueue(chatJson({ topics: [] }), { status: 429, body: openAIError('Slow down', 'rate_limit_exceeded') });
 *   const client = new OpenAI({ apiKey: 'test', baseURL: fake.baseURL });
 *   ...
 *   await fake.close();
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type FakeReply, openAIError, type Rendered, renderChat, renderResponses } from './fake-openai-replies.js';

export * from './fake-openai-replies.js';

/** One request the fake received. */
export interface RecordedRequest {
  method: string;
  /** With the /v1 prefix, e.g. `/v1/chat/completions`. */
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The parsed JSON body (undefined for a GET or a body that is not JSON). */
  body: RequestBody | undefined;
}

/** The fields tests usually read from a request body; the rest are there as sent. */
export interface RequestBody {
  model?: string;
  stream?: boolean;
  /** Chat Completions. */
  messages?: Array<{ role: string; content: unknown; [key: string]: unknown }>;
  response_format?: { type: string; json_schema?: { name: string; strict?: boolean; schema: unknown } };
  /** Responses. */
  input?: unknown;
  instructions?: string;
  tools?: unknown[];
  [key: string]: unknown;
}

/** Answers a request when no scripted reply is left. */
export type FakeHandler = (request: RecordedRequest) => FakeReply | Promise<FakeReply>;

export interface FakeOpenAI {
  /** `http://127.0.0.1:PORT/v1`: the SDK's `baseURL`. */
  baseURL: string;
  /** Every request received, in order (including ones whose answer was delayed or aborted). */
  requests: RecordedRequest[];
  /** Queues replies for the next model requests (chat completions and responses), consumed in order. */
  enqueue(...replies: FakeReply[]): void;
  /** How many queued replies have not been used. */
  pending(): number;
  /** Sets the handler for requests when the queue is empty (by default: a 500 saying no reply was scripted). */
  setDefault(handler: FakeHandler | undefined): void;
  /** Forgets recorded requests and queued replies. */
  reset(): void;
  close(): Promise<void>;
}

export const FAKE_MODELS = ['gpt-4.1-mini', 'gpt-4.1', 'gpt-5-mini'];

/** Starts the fake on 127.0.0.1 at a free port. */
export async function startFakeOpenAI(options: { default?: FakeHandler } = {}): Promise<FakeOpenAI> {
  const requests: RecordedRequest[] = [];
  const queue: FakeReply[] = [];
  let fallback = options.default;
  const timers = new Set<NodeJS.Timeout>();

  const server = http.createServer(async (req, res) => {
    const raw = await readBody(req);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const request: RecordedRequest = { method: req.method ?? 'GET', path, headers: req.headers, body: parseJson(raw) };
    requests.push(request);
    try {
      if (req.method === 'GET' && path === '/v1/models') {
        const data = FAKE_MODELS.map((model) => ({ id: model, object: 'model', created: 0, owned_by: 'fake' }));
        return write(res, { status: 200, json: { object: 'list', data } });
      }
      const route = req.method === 'POST' ? ROUTES[path] : undefined;
      if (!route) return write(res, { status: 404, json: openAIError(`Unknown route ${req.method} ${path}`) });
      if (request.body === undefined) return write(res, { status: 400, json: openAIError('Body is not JSON') });
      const reply =
        queue.shift() ??
        (fallback
          ? await fallback(request)
          : { status: 500, body: openAIError(`fake-openai: no reply scripted for ${path}`, null, 'server_error') });
      if (reply.delayMs) await sleep(reply.delayMs, timers);
      if (res.destroyed) return;
      write(res, route(reply, request.body));
    } catch (error) {
      if (!res.headersSent) write(res, { status: 500, json: openAIError(String(error), null, 'server_error') });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    enqueue: (...replies) => {
      queue.push(...replies);
    },
    pending: () => queue.length,
    setDefault: (handler) => {
      fallback = handler;
    },
    reset: () => {
      requests.length = 0;
      queue.length = 0;
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

type Route = (reply: FakeReply, body: Record<string, unknown>) => Rendered;

const ROUTES: Record<string, Route> = {
  '/v1/chat/completions': (reply, body) => {
    if ('chat' in reply) return renderChat(reply.chat, body);
    return asRaw(reply, 'a chat completion');
  },
  '/v1/responses': (reply, body) => {
    if ('responses' in reply) return renderResponses(reply.responses, body);
    return asRaw(reply, 'a response');
  },
};

function asRaw(reply: FakeReply, expected: string): Rendered {
  if ('status' in reply) return { status: reply.status, json: reply.body, headers: reply.headers };
  return { status: 500, json: openAIError(`fake-openai: the scripted reply is not ${expected}`, null, 'server_error') };
}

function write(res: http.ServerResponse, rendered: Rendered): void {
  const headers = { 'x-request-id': `req_fake_${Date.now()}`, ...rendered.headers };
  if ('events' in rendered) {
    res.writeHead(200, { ...headers, 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (const event of rendered.events) res.write(event);
    res.end();
    return;
  }
  res.writeHead(rendered.status, { ...headers, 'content-type': 'application/json' });
  res.end(JSON.stringify(rendered.json));
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJson(text: string): RequestBody | undefined {
  if (text === '') return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as RequestBody) : undefined;
  } catch {
    return undefined;
  }
}

function sleep(ms: number, timers: Set<NodeJS.Timeout>): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      resolve();
    }, ms);
    timers.add(timer);
  });
}
