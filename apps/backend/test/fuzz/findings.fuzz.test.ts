/**
 * The inputs the fuzz tests found answered with a 500 (or a database error logged as a crash), one plain request
 * each, so each finding reproduces in milliseconds and stays fixed. PostgreSQL refuses NUL in text (and `\u0000` or an
 * unpaired surrogate escape in jsonb): such input must be refused as a 400 before it reaches the database, never
 * become an internal error. Expected: a 4xx, a JSON `{error, message}` (or the LTI error page), nothing logged at
 * error level.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, TEST_SECRET, type TestApp } from '../helpers/app.js';
import { parseSse } from '../helpers/chatkit.js';
import { errorLogs } from './arbitraries.js';

let t: TestApp;
let secret: string;
let threadId: string;

const input = (text: string) => ({ content: [{ type: 'input_text', text }], attachments: [], inference_options: {} });

async function chatkit(body: unknown): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method: 'POST',
    url: '/chatkit',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
}

async function service(method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, payload?: string, type?: string) {
  return t.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${TEST_SECRET}`, ...(type ? { 'content-type': type } : {}) },
    ...(payload === undefined ? {} : { payload }),
  });
}

beforeAll(async () => {
  t = await buildTestApp();
  const session = await t.app.inject({
    method: 'POST',
    url: '/api/chatkit/session',
    payload: { userId: 'finder', courseId: 'findings', role: 'Learner' },
  });
  secret = session.json().client_secret;
  const created = await chatkit({ type: 'threads.create', params: { input: input('hello') } });
  threadId = (parseSse(created.body)[0] as { thread: { id: string } }).thread.id;
});
afterAll(async () => {
  await t?.close();
});

/** A refusal, not a crash: 4xx, JSON `{error, message}` (or the LTI page), and no error-level log line. */
async function expectRefused(send: () => Promise<LightMyRequestResponse>): Promise<void> {
  const from = t.logs.length;
  const response = await send();
  const logged = errorLogs(t.logs, from).map(
    (line) => (JSON.parse(line) as { err?: { message?: string } }).err?.message,
  );
  expect({ status: response.statusCode, logged }, response.body).toMatchObject({
    status: expect.any(Number),
    logged: [],
  });
  expect(response.statusCode, response.body).toBeGreaterThanOrEqual(400);
  expect(response.statusCode, response.body).toBeLessThan(500);
  if (String(response.headers['content-type']).startsWith('application/json')) {
    expect(response.json()).toMatchObject({ error: expect.any(String), message: expect.any(String) });
  }
}

describe('ChatKit protocol (POST /chatkit)', () => {
  it('refuses a user message with an unpaired surrogate (jsonb rejects "\\udfff")', async () => {
    await expectRefused(() => chatkit({ type: 'threads.create', params: { input: input('\udfff') } }));
    await expectRefused(() =>
      chatkit({ type: 'threads.add_user_message', params: { thread_id: threadId, input: input('a\ud83d') } }),
    );
  });

  it('refuses a user message with NUL (jsonb rejects "\\u0000")', async () => {
    await expectRefused(() => chatkit({ type: 'threads.create', params: { input: input('a\u0000b') } }));
  });

  it('refuses ids with NUL (thread_id, item_id, after) instead of sending them to PostgreSQL', async () => {
    for (const type of ['threads.get_by_id', 'threads.delete', 'items.list']) {
      await expectRefused(() => chatkit({ type, params: { thread_id: 'x\u0000' } }));
    }
    await expectRefused(() => chatkit({ type: 'items.list', params: { thread_id: threadId, after: 'x\u0000' } }));
    await expectRefused(() =>
      chatkit({
        type: 'threads.custom_action',
        params: { thread_id: threadId, item_id: 'x\u0000', action: { type: 'ui.toggle' } },
      }),
    );
  });

  it('refuses a thread title with NUL', async () => {
    await expectRefused(() => chatkit({ type: 'threads.update', params: { thread_id: threadId, title: 'a\u0000b' } }));
  });
});

describe('admin API', () => {
  it('refuses a course id with NUL in the path (LMS connection, roster, material)', async () => {
    await expectRefused(() => service('GET', '/api/admin/courses/a%00b/lms'));
    await expectRefused(() => service('PUT', '/api/admin/courses/a%00b/roster', '[]', 'application/json'));
    await expectRefused(() =>
      service('POST', '/api/admin/courses/a%00b/material', '## Intro\n\nText\n', 'text/markdown'),
    );
  });

  it('refuses Markdown material with NUL in a slide', async () => {
    await expectRefused(() =>
      service('POST', '/api/admin/courses/findings/material', '## Intro\n\nTopic: \u0000\n\nText\n', 'text/markdown'),
    );
  });

  it('refuses an LTI platform removal naming an issuer with NUL', async () => {
    await expectRefused(() => service('DELETE', '/api/admin/lti/platforms?issuer=a%00b&client_id=c'));
  });
});

describe('LTI', () => {
  it('refuses a login whose iss holds NUL without a database error', async () => {
    const query = new URLSearchParams({ iss: 'a\u0000b', login_hint: 'x', target_link_uri: 'http://localhost:4000/' });
    await expectRefused(() => t.app.inject({ method: 'GET', url: `/lti/login?${query}` }));
  });
});
