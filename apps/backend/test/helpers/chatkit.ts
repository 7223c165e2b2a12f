/**
 * What the ChatKit tests share: a ChatKit session for a member (POST /api/chatkit/session), a client of POST /chatkit
 * over a real socket (fetch), and a plain server-sent-events parser over the response text as it came off the wire.
 */
import type { AddressInfo } from 'node:net';
import type { ChatKitSessionResponse } from '@class-assist/contracts';
import { expect } from 'vitest';
import type { TestApp } from './app.js';
import { allNodes, type Node } from './widgets.js';

export interface Member {
  userId: string;
  courseId: string;
  courseName?: string;
  /** As an LMS says it: Instructor, Learner, a full LTI role URI… */
  role: string;
}

/** POST /api/chatkit/session (development/test: the body is the identity); fails unless 200. */
export async function openSession(t: TestApp, member: Member): Promise<ChatKitSessionResponse> {
  const response = await t.app.inject({ method: 'POST', url: '/api/chatkit/session', payload: member });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

/** Starts the app on a loopback port (once) and returns its base URL. */
export async function listen(t: TestApp): Promise<string> {
  if (!t.app.server.listening) await t.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = t.app.server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

/** The events of a server-sent-events body: blocks separated by a blank line, each `data: <json>` line parsed. */
export function parseSse(text: string): Array<Record<string, unknown>> {
  const events: Array<Record<string, unknown>> = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    const data = block
      .split(/\r?\n/)
      .filter((line) => line.startsWith('data: '))
      .map((line) => line.slice('data: '.length));
    if (data.length > 0) events.push(JSON.parse(data.join('\n')));
  }
  return events;
}

export interface ChatKitAnswer {
  status: number;
  contentType: string;
  text: string;
  /** The body as JSON (fails the test when it is not). */
  json<T = Record<string, unknown>>(): T;
  /** The body as server-sent events. */
  events(): Array<Record<string, unknown>>;
}

/** POST /chatkit with `body` (a string is sent as is) and the bearer `secret` (none when undefined). */
export async function chatkit(
  base: string,
  secret: string | undefined,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<ChatKitAnswer> {
  const response = await fetch(`${base}/chatkit`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(secret === undefined ? {} : { authorization: `Bearer ${secret}` }),
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    text,
    json: () => JSON.parse(text),
    events: () => parseSse(text),
  };
}

/** A streamed answer's events, after checking it is one. */
export async function stream(base: string, secret: string, body: unknown): Promise<Array<Record<string, unknown>>> {
  const answer = await chatkit(base, secret, body);
  expect(answer.status, answer.text).toBe(200);
  expect(answer.contentType).toMatch(/^text\/event-stream/);
  return answer.events();
}

/** A JSON answer's body, after checking its status and content type. */
export async function json<T = Record<string, unknown>>(
  base: string,
  secret: string,
  body: unknown,
  status = 200,
): Promise<T> {
  const answer = await chatkit(base, secret, body);
  expect(answer.status, answer.text).toBe(status);
  expect(answer.contentType).toMatch(/^application\/json/);
  return answer.json<T>();
}

export const textInput = (text: string) => ({
  content: [{ type: 'input_text', text }],
  attachments: [],
  inference_options: {},
});
export const emptyInput = { content: [], attachments: [], inference_options: {} };

export interface WireItem {
  id: string;
  thread_id: string;
  created_at: string;
  type: string;
  widget?: Node;
  content?: Array<{ type: string; text: string }>;
  [key: string]: unknown;
}

/** The item carried by the event at `index` (fails when there is none). */
export function itemAt(events: Array<Record<string, unknown>>, index: number): WireItem {
  const item = events[index]?.item;
  if (!item) throw new Error(`event ${index} carries no item: ${JSON.stringify(events)}`);
  return item as WireItem;
}

/** The thread id of a threads.create stream (its first event). */
export function threadIdOf(events: Array<Record<string, unknown>>): string {
  const thread = events[0]?.thread as { id?: string } | undefined;
  if (!thread?.id) throw new Error(`no thread.created first: ${JSON.stringify(events)}`);
  return thread.id;
}

/** Opens a thread without a message and returns its id and the widget item. */
export async function openThread(base: string, secret: string): Promise<{ threadId: string; widget: WireItem }> {
  const events = await stream(base, secret, { type: 'threads.create', params: { input: emptyInput } });
  const created = events[0] as { thread: { id: string } };
  const done = events.find((e) => e.type === 'thread.item.done') as { item: WireItem } | undefined;
  if (done?.item.type !== 'widget') throw new Error(`no widget item in ${JSON.stringify(events)}`);
  return { threadId: created.thread.id, widget: done.item };
}

/** The path of every null found in `value` (none expected on the wire). */
export function nullPaths(value: unknown, path = '$'): string[] {
  if (value === null) return [path];
  if (Array.isArray(value)) return value.flatMap((entry, i) => nullPaths(entry, `${path}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, entry]) => nullPaths(entry, `${path}.${key}`));
  }
  return [];
}

/** The text of every Text, Caption, Title and Markdown of a widget, joined. */
export function widgetText(root: Node): string {
  return allNodes(root)
    .map((node) => (typeof node.value === 'string' ? node.value : typeof node.label === 'string' ? node.label : ''))
    .filter(Boolean)
    .join(' | ');
}

/** The first component of `type` whose props include `props`. */
export function findNode(root: Node, type: string, props: Record<string, unknown> = {}): Node | undefined {
  return allNodes(root).find(
    (node) =>
      node.type === type &&
      Object.entries(props).every(([key, value]) => JSON.stringify(node[key]) === JSON.stringify(value)),
  );
}
