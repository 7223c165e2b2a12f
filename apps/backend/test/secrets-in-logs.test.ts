/**
 * Secrets never reach a log line. One app, logging at `debug`, runs a full flow — an LTI launch from a mock platform,
 * ChatKit sessions, widget actions and a chat answered by a (fake) model, the nine functions over HTTP and MCP, an
 * export link, an LMS connection with its token and an intervention delivered to a fake Canvas (through one failure
 * and a retry) — and then every captured line is searched for every secret the run used or issued, and for an
 * anonymous question's author anywhere near their question.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runtimeRolePassword } from '../src/db/roles.js';
import { decryptPrivateKey, encryptionKey } from '../src/lti/tool-keys.js';
import { addSlides, buildTestApp, DEMO_LECTURE, TEST_SECRET, type TestApp, uniqueId } from './helpers/app.js';
import { json, listen, openSession, openThread, stream, textInput, type WireItem } from './helpers/chatkit.js';
import { type FakeCanvas, startFakeCanvas } from './helpers/fake-canvas.js';
import { chatText, type FakeOpenAI, responsesText, startFakeOpenAI } from './helpers/fake-openai.js';
import {
  fixture,
  launchFixture,
  type MockPlatform,
  registerPlatform,
  startMockPlatform,
} from './helpers/lti-platform.js';

const OPENAI_KEY = 'sk-test-openai-key-5f3a9c1e7b2d4068';
const LMS_TOKEN = 'canvas-secret-token-8d41c0f2a6e95b37';

let t: TestApp;
let base: string;
let platform: MockPlatform;
let canvas: FakeCanvas;
let model: FakeOpenAI;

beforeAll(async () => {
  [platform, canvas, model] = await Promise.all([
    startMockPlatform(),
    startFakeCanvas({ token: LMS_TOKEN }),
    startFakeOpenAI({
      default: (request) =>
        request.path === '/v1/responses' ? responsesText('Here is some help.') : chatText('Here is some help.'),
    }),
  ]);
  t = await buildTestApp({
    logLevel: 'debug',
    env: { OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: model.baseURL, OPENAI_MAX_RETRIES: '0' },
    appDeps: { lmsHttp: { retries: 3, baseDelayMs: 5, maxDelayMs: 20, timeoutMs: 2_000 } },
  });
  base = await listen(t);
});
afterAll(async () => {
  await t?.close();
  await Promise.all([platform?.close(), canvas?.close(), model?.close()]);
});

const bearer = { authorization: `Bearer ${TEST_SECRET}` };

/** Every secret of the run, by name: filled as the flow issues them. */
const secrets = new Map<string, string>();

describe('a full run logged at debug level', () => {
  it('never logs a secret, a token, a key or an anonymous author', async () => {
    const course = uniqueId('course');
    await addSlides(t.pool, course, DEMO_LECTURE.slice(0, 4));
    secrets.set('AGENTKIT_SECRET', TEST_SECRET);
    secrets.set('SESSION_SECRET', t.config.sessionSecret);
    secrets.set('OPENAI_API_KEY', OPENAI_KEY);
    secrets.set('LMS token', LMS_TOKEN);
    secrets.set('database runtime role password', runtimeRolePassword(t.config.sessionSecret));

    // LTI: register the platform, launch as a student; the launch's id_token and session cookie are secrets.
    await registerPlatform(t.app, TEST_SECRET, platform);
    const launch = await launchFixture(t.app, platform, fixture('valid', 'Launch LTI 1.3 Message as Student'));
    expect(launch.response.statusCode, launch.response.body).toBeLessThan(400);
    secrets.set('LTI id_token', launch.token);
    // (The state cookie comes back emptied; the session cookie holds the session token.)
    for (const c of launch.response.cookies.filter((c) => c.value)) secrets.set(`cookie ${c.name}`, c.value);
    expect(secrets.size).toBe(7);
    const cookie = launch.response.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    expect((await t.app.inject({ method: 'GET', url: '/api/session', headers: { cookie } })).statusCode).toBe(200);

    // ChatKit sessions, a thread each, widget actions and a chat message the model answers.
    const student = uniqueId('student');
    const teacher = uniqueId('teacher');
    const s = await openSession(t, { userId: student, courseId: course, courseName: 'Secrets 101', role: 'Learner' });
    const i = await openSession(t, {
      userId: teacher,
      courseId: course,
      courseName: 'Secrets 101',
      role: 'Instructor',
    });
    secrets.set('student client_secret', s.client_secret);
    secrets.set('instructor client_secret', i.client_secret);
    const sThread = await openThread(base, s.client_secret);
    const iThread = await openThread(base, i.client_secret);
    const act = (secret: string, thread: { threadId: string; widget: WireItem }, type: string, payload = {}) =>
      stream(base, secret, {
        type: 'threads.custom_action',
        params: { thread_id: thread.threadId, item_id: thread.widget.id, action: { type, payload } },
      });
    await act(s.client_secret, sThread, 'confusion.ping');
    await act(s.client_secret, sThread, 'question.submit', { question_body: 'Named question?', anonymous: false });
    await act(s.client_secret, sThread, 'study.explain', { slide_id: 'slide-1' });
    await act(s.client_secret, sThread, 'study.notes');
    await stream(base, s.client_secret, {
      type: 'threads.add_user_message',
      params: { thread_id: sThread.threadId, input: textInput('Explain slide 2 to me') },
    });
    expect(model.requests.some((r) => r.headers.authorization === `Bearer ${OPENAI_KEY}`)).toBe(true);
    await json(base, s.client_secret, { type: 'threads.get_by_id', params: { thread_id: sThread.threadId } });

    // The export link: its token is in the instructor's message.
    const exported = await act(i.client_secret, iThread, 'intervention.export', { format: 'csv' });
    const link = JSON.stringify(exported).match(/\/api\/exports\/([\w.-]+)/);
    expect(link, JSON.stringify(exported)).not.toBeNull();
    secrets.set('export link token', link?.[1] ?? '');
    expect((await t.app.inject({ method: 'GET', url: `/api/exports/${link?.[1]}` })).statusCode).toBe(200);

    // An anonymous question: its author must never be logged with it.
    const author = uniqueId('anonymous-author');
    const body = `Anonymous question ${uniqueId('q')}`;
    await t.call('track_confusion', { user_id: author, course_id: course, slide_id: 'slide-2' });
    const asked = await t.call('submit_question', {
      user_id: author,
      course_id: course,
      question_body: body,
      anonymous: true,
    });
    expect(asked.statusCode, asked.body).toBe(200);
    const questionId = asked.json().question_id as string;

    // The other functions over HTTP, one over MCP.
    for (const [name, args] of [
      ['get_confusion_heatmap', { course_id: course }],
      ['fetch_notes', { user_id: student, course_id: course, slide_id: 'slide-1' }],
      ['generate_quiz', { user_id: student, course_id: course, focus: 'slide-1' }],
      ['explain_topic', { user_id: student, course_id: course, topic: 'features' }],
      ['export_confusion_data', { course_id: course, format: 'json' }],
    ] as const) {
      expect((await t.call(name, args)).statusCode, name).toBeLessThan(500);
    }
    const mcp = await t.app.inject({
      method: 'POST',
      url: '/mcp',
      headers: { ...bearer, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      payload: {
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'fetch_notes', arguments: { user_id: student, course_id: course } },
      },
    });
    expect(mcp.statusCode, mcp.body).toBe(200);

    // An LMS connection with its token, a roster, and a notification delivered through one failure and a retry.
    const lmsCourse = String(Math.floor(Math.random() * 1e6));
    canvas.addCourse(lmsCourse, [{ id: '101', name: 'Student' }]);
    const admin = (url: string, payload: object) =>
      t.app.inject({ method: 'PUT', url, headers: { ...bearer, 'content-type': 'application/json' }, payload });
    const connected = await admin(`/api/admin/courses/${course}/lms`, {
      kind: 'canvas',
      base_url: canvas.baseUrl,
      token: LMS_TOKEN,
      lms_course_id: lmsCourse,
    });
    expect(connected.statusCode, connected.body).toBe(200);
    const roster = await admin(`/api/admin/courses/${course}/roster`, [
      { user_id: student, lms_user_id: '101', name: 'Student', role: 'student' },
    ]);
    expect(roster.statusCode, roster.body).toBe(200);
    canvas.failNext(1, '500');
    await t.app.outbox.start();
    const notified = await t.call('notify_students_via_lms', {
      course_id: course,
      recipient_filter: 'all_students',
      message: 'Please review slide 2',
    });
    expect(notified.statusCode, notified.body).toBe(200);
    const id = notified.json().intervention_id as string;
    expect(await settled(id)).toMatchObject({ status: 'completed' });
    expect(canvas.requests.filter((r) => r.authorized).length).toBeGreaterThan(1);
    expect(canvas.requests.some((r) => r.fault)).toBe(true);

    // The tool's private key, as stored (sealed with SESSION_SECRET): its PEM body, line by line.
    const { rows } = await t.pool.query<{ kid: string; private_key_encrypted: string }>(
      'SELECT kid, private_key_encrypted FROM lti_keys',
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      const pem = decryptPrivateKey(encryptionKey(t.config.sessionSecret), row.kid, row.private_key_encrypted);
      const lines = pem.split('\n').filter((line) => line && !line.startsWith('-----'));
      lines.forEach((line, n) => {
        secrets.set(`LTI private key ${row.kid} line ${n + 1}`, line);
      });
    }

    // The live stream takes its client secret in the query string (EventSource cannot send headers).
    const live = new AbortController();
    const liveResponse = await fetch(`${base}/api/live?client_secret=${s.client_secret}`, { signal: live.signal });
    expect(liveResponse.status).toBe(200);
    await (liveResponse.body as ReadableStream<Uint8Array>).getReader().read();
    live.abort();
    await new Promise((resolve) => setTimeout(resolve, 100)); // its closing lines, if any, are logged too

    const logs = t.logs.join('');
    expect(t.logs.length).toBeGreaterThan(50);
    expect(secrets.size).toBeGreaterThanOrEqual(30); // 10 issued or configured, the rest the PEM body's lines
    expect(logs).toContain('"level":20'); // debug lines were captured, not only info
    for (const [name, value] of secrets) {
      expect(value.length, name).toBeGreaterThanOrEqual(16);
      expect(logs.includes(value), `${name} is in the logs`).toBe(false);
    }
    // The anonymous author appears in no line of the request that submitted it, nor in any line naming the question.
    const submitted = asked.headers['x-request-id'];
    const ofSubmit = t.logs.filter((line) => JSON.parse(line).reqId === submitted);
    expect(ofSubmit.length).toBeGreaterThan(0);
    for (const line of [...ofSubmit, ...t.logs.filter((l) => l.includes(questionId) || l.includes(body))]) {
      expect(line).not.toContain(author);
    }
  });
});

/** GET /api/interventions/{id} until it is completed or failed. */
async function settled(id: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const response = await t.app.inject({ method: 'GET', url: `/api/interventions/${id}`, headers: bearer });
    const view = response.json();
    if (view.status === 'completed' || view.status === 'failed') return view;
    if (Date.now() > deadline) throw new Error(`intervention ${id} did not settle: ${response.body}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
