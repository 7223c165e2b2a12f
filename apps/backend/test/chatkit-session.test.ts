/**
 * POST /api/chatkit/session: the client secret and the initial widget state of a member, with the identity taken from
 * the body in development, and only from a browser session or the AgentKit secret in production; and the legacy
 * hosted path, which also creates a ChatKit session at OpenAI (here a fake OpenAI on loopback).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChatKitSessionResponse } from '@class-assist/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClassAssistWidget } from '../src/widget/class-assist-widget.js';
import { addSlides, buildTestApp, TEST_SECRET, type TestApp, uniqueId } from './helpers/app.js';

const NOW = new Date('2026-03-10T10:00:00.000Z');
const SESSION_SECRET = 'test-session-secret-0123456789abcdef';
const PRODUCTION_AGENTKIT_SECRET = 'production-agentkit-secret-0123456789abcdef';
const SPEC_BODY = { userId: 'test_user', courseId: 'test_course', courseName: 'Test Course', role: 'Learner' };
const LTI = 'http://purl.imsglobal.org/vocab/lis/v2/membership';

const widget = createClassAssistWidget();

/** The claims of a client secret (a JWT): who it speaks for. */
function claims(token: string): { sub: string; course: string; role: string; aud: string; exp: number } {
  const [, payload] = token.split('.');
  return JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8'));
}

async function session(t: TestApp, body: unknown, headers: Record<string, string> = {}) {
  return t.app.inject({
    method: 'POST',
    url: '/api/chatkit/session',
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function okSession(t: TestApp, body: unknown, headers: Record<string, string> = {}) {
  const response = await session(t, body, headers);
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as ChatKitSessionResponse;
}

describe('development', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ env: { NODE_ENV: 'development' } });
    t.clock.set(NOW);
  });
  afterAll(() => t.close());

  it("answers the specification's curl example with a client secret, its expiry and the student's widget state", async () => {
    const body = await okSession(t, SPEC_BODY);
    expect(Object.keys(body).sort()).toStrictEqual(['client_secret', 'expires_at', 'widget_state']);
    expect(body.client_secret).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(body.expires_at).toBe(new Date(NOW.getTime() + 2 * 3600_000).toISOString());
    expect(claims(body.client_secret)).toMatchObject({ sub: 'test_user', course: 'test_course', role: 'student' });

    const state = widget.validateState(body.widget_state);
    expect(state).toMatchObject({
      courseName: 'Test Course',
      view: 'student',
      role: 'student',
      canSwitchView: false,
      askOpen: false,
      viewOptions: [
        { value: 'student', label: 'Student view' },
        { value: 'instructor', label: 'Instructor view' },
      ],
      metrics: { improvement: '—' },
      notice: null,
      pending: null,
    });
    // No course-wide figures for a student.
    expect(state.chartData).toStrictEqual([]);
    expect(state.spike).toStrictEqual({ active: false, message: '' });
    expect(state.activeStudents).toBe(0);
    expect(() => widget.render(state)).not.toThrow();
  });

  it('gives a student no course-wide figures even in a course with confusion', async () => {
    const course = uniqueId('course');
    await addSlides(t.pool, course, [
      { id: 's1', title: 'One' },
      { id: 's2', title: 'Two' },
    ]);
    for (const user of ['a', 'b', 'c']) {
      const ping = await t.call('track_confusion', { user_id: `${course}-${user}`, course_id: course, slide_id: 's2' });
      expect(ping.statusCode, ping.body).toBe(200);
    }
    const { widget_state } = await okSession(t, { userId: uniqueId('student'), courseId: course, role: 'Learner' });
    expect(widget_state.chartData).toStrictEqual([]);
    expect(widget_state.spike.active).toBe(false);
    expect(widget_state.activeStudents).toBe(0);
    expect(widget_state.slide).toMatchObject({ id: 's1', title: 'One', nextId: 's2' });
  });

  it("gives instructors (Instructor, full LTI URIs, TeachingAssistant) the instructor view with the course's heatmap", async () => {
    const course = uniqueId('course');
    await addSlides(t.pool, course, [
      { id: 's1', title: 'One' },
      { id: 's2', title: 'Two' },
      { id: 's3', title: 'Three' },
    ]);
    const students = ['a', 'b', 'c', 'd'].map((u) => `${course}-${u}`);
    for (const user of students.slice(0, 3)) {
      expect((await t.call('track_confusion', { user_id: user, course_id: course, slide_id: 's2' })).statusCode).toBe(
        200,
      );
    }
    expect((await t.call('fetch_notes', { user_id: students[3], course_id: course })).statusCode).toBe(200);
    const heatmap = (await t.call('get_confusion_heatmap', { course_id: course })).json();

    for (const role of [
      'Instructor',
      `${LTI}#Instructor`,
      `${LTI}/Instructor#TeachingAssistant`,
      'TeachingAssistant',
      `${LTI}#Learner,${LTI}#ContentDeveloper`,
    ]) {
      const body = await okSession(t, { userId: uniqueId('teacher'), courseId: course, courseName: 'ML', role });
      expect(claims(body.client_secret).role, role).toBe('instructor');
      const state = widget.validateState(body.widget_state);
      expect(state.view, role).toBe('instructor');
      expect(state.role).toBe('instructor');
      expect(state.canSwitchView).toBe(true);
      expect(state.courseName).toBe('ML');
      expect(state.chartData).toStrictEqual(
        heatmap.chartData.map(({ label, confused, slide_id, title }: Record<string, unknown>) => ({
          label,
          confused,
          slide_id,
          title,
        })),
      );
      expect(state.chartData.map((p) => p.confused)).toStrictEqual([0, 75, 0]);
      expect(state.spike).toStrictEqual(heatmap.spike);
      expect(state.spike.active).toBe(true);
      expect(state.activeStudents).toBe(4);
    }
  });

  it('maps Learner and unknown roles to students', async () => {
    for (const role of ['Learner', `${LTI}#Learner`, 'Mentor', 'student-ish']) {
      const body = await okSession(t, { userId: uniqueId('u'), courseId: uniqueId('c'), role });
      expect(body.widget_state.view, role).toBe('student');
      expect(claims(body.client_secret).role).toBe('student');
    }
  });

  it('names the course after its id when no name is given, and keeps a name once given', async () => {
    const course = uniqueId('course');
    expect((await okSession(t, { userId: 'u1', courseId: course, role: 'Learner' })).widget_state.courseName).toBe(
      course,
    );
    await okSession(t, { userId: 'u2', courseId: course, courseName: 'Named', role: 'Instructor' });
    expect((await okSession(t, { userId: 'u3', courseId: course, role: 'Learner' })).widget_state.courseName).toBe(
      'Named',
    );
  });

  it('refuses bad bodies with 400 validation_failed naming the field', async () => {
    const cases: Array<[unknown, string[]]> = [
      [{ courseId: 'c', role: 'Learner' }, ['userId']],
      [{ userId: 'u', role: 'Learner' }, ['courseId']],
      [{ userId: 'u', courseId: 'c' }, ['role']],
      [{ userId: '', courseId: 'c', role: 'Learner' }, ['userId']],
      [{ userId: '   ', courseId: 'c', role: 'Learner' }, ['userId']],
      [{ userId: 42, courseId: 'c', role: 'Learner' }, ['userId']],
      [{ userId: 'u', courseId: ['c'], role: 'Learner' }, ['courseId']],
      [{ userId: 'u', courseId: 'c', role: null }, ['role']],
      [{ userId: 'x'.repeat(256), courseId: 'c', role: 'Learner' }, ['userId']],
      // A NUL is refused before the body's own validation (http/text-hygiene.ts), naming where it is.
      [{ userId: 'u\u0000', courseId: 'c\nd', role: 'Learner' }, ['userId']],
      [{ userId: 'u', courseId: 'c\nd', role: 'Learner' }, ['courseId']],
      [{}, ['userId', 'courseId', 'role']],
      [[], ['']],
      ['"just a string"', ['']],
    ];
    for (const [body, fields] of cases) {
      const response = await session(t, body);
      expect(response.statusCode, `${JSON.stringify(body)}: ${response.body}`).toBe(400);
      const answer = response.json();
      expect(answer.error).toBe('validation_failed');
      expect(answer.details.map((d: { path: string }) => d.path)).toStrictEqual(fields);
      for (const field of fields) expect(answer.message).toContain(field || 'JSON object');
    }
  });

  it('refuses malformed JSON and an empty body with 400, never a 500', async () => {
    for (const payload of ['{"userId":', '']) {
      const response = await session(t, payload);
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json().error).toBe('validation_failed');
    }
  });

  it('takes the identity from a session cookie rather than the body', async () => {
    const launch = await t.app.inject({
      method: 'GET',
      url: '/dev/launch',
      query: { role: 'Instructor', userId: 'cookie-teacher', courseId: 'cookie-course', courseName: 'Cookies' },
    });
    expect(launch.statusCode, launch.body).toBe(302);
    const cookie = launch.cookies.find((c) => c.name === 'class_assist_session');
    const body = await okSession(
      t,
      { userId: 'someone-else', courseId: 'other', role: 'Learner' },
      { cookie: `class_assist_session=${cookie?.value}` },
    );
    expect(claims(body.client_secret)).toMatchObject({ sub: 'cookie-teacher', course: 'cookie-course' });
    expect(body.widget_state).toMatchObject({ courseName: 'Cookies', view: 'instructor' });
  });
});

describe('production', () => {
  let dev: TestApp;
  let prod: TestApp;
  let cookie: string;
  beforeAll(async () => {
    dev = await buildTestApp({ env: { NODE_ENV: 'development' } });
    prod = await buildTestApp({
      env: { NODE_ENV: 'production', AGENTKIT_SECRET: PRODUCTION_AGENTKIT_SECRET, SESSION_SECRET },
    });
    dev.clock.set(NOW);
    prod.clock.set(NOW);
    const launch = await dev.app.inject({
      method: 'GET',
      url: '/dev/launch',
      query: { role: 'Learner', userId: 'lti-student', courseId: 'lti-course', courseName: 'From the LMS' },
    });
    expect(launch.statusCode, launch.body).toBe(302);
    cookie = `class_assist_session=${launch.cookies.find((c) => c.name === 'class_assist_session')?.value}`;
  });
  afterAll(async () => {
    await dev?.close();
    await prod?.close();
  });

  it('has no /dev/launch', async () => {
    const response = await prod.app.inject({
      method: 'GET',
      url: '/dev/launch',
      query: { role: 'Instructor', userId: 'u', courseId: 'c' },
    });
    expect(response.statusCode).toBe(404);
    expect(response.cookies).toStrictEqual([]);
  });

  it('refuses a body without a session or the AgentKit secret with 401', async () => {
    const response = await session(prod, SPEC_BODY);
    expect(response.statusCode, response.body).toBe(401);
    expect(response.json().error).toBe('unauthorized');
  });

  it('refuses a wrong bearer, the test secret and a ChatKit client secret with 401', async () => {
    const clientSecret = (await okSession(prod, SPEC_BODY, { authorization: `Bearer ${PRODUCTION_AGENTKIT_SECRET}` }))
      .client_secret;
    for (const authorization of [
      'Bearer wrong',
      `Bearer ${TEST_SECRET}`,
      `Bearer ${clientSecret}`,
      `Basic ${PRODUCTION_AGENTKIT_SECRET}`,
      'Bearer',
    ]) {
      const response = await session(prod, SPEC_BODY, { authorization });
      expect(response.statusCode, authorization).toBe(401);
      expect(response.json().error).toBe('unauthorized');
    }
  });

  it("takes the body's identity with the AgentKit secret as bearer", async () => {
    const body = await okSession(
      prod,
      { ...SPEC_BODY, role: 'Instructor' },
      { authorization: `Bearer ${PRODUCTION_AGENTKIT_SECRET}` },
    );
    expect(claims(body.client_secret)).toMatchObject({
      sub: 'test_user',
      course: 'test_course',
      role: 'instructor',
      aud: 'class-assist:chatkit',
    });
    expect(widget.validateState(body.widget_state)).toMatchObject({ courseName: 'Test Course', view: 'instructor' });
  });

  it('validates the body even with the AgentKit secret', async () => {
    const response = await session(
      prod,
      { userId: 'u', role: 'Learner' },
      { authorization: `Bearer ${PRODUCTION_AGENTKIT_SECRET}` },
    );
    expect(response.statusCode).toBe(400);
    expect(response.json().details).toStrictEqual([{ path: 'courseId', message: expect.any(String) }]);
  });

  it('takes the identity from the session cookie and ignores the body', async () => {
    const body = await okSession(
      prod,
      { userId: 'intruder', courseId: 'elsewhere', courseName: 'Elsewhere', role: 'Instructor' },
      { cookie },
    );
    expect(claims(body.client_secret)).toMatchObject({ sub: 'lti-student', course: 'lti-course', role: 'student' });
    expect(body.widget_state).toMatchObject({ courseName: 'From the LMS', view: 'student', role: 'student' });
    const { rows } = await prod.pool.query('SELECT id FROM courses WHERE id = $1', ['elsewhere']);
    expect(rows).toStrictEqual([]);
  });

  it('takes the identity from the session token sent as bearer (a page keeping it per tab)', async () => {
    const token = cookie.slice(cookie.indexOf('=') + 1);
    const body = await okSession(
      prod,
      { userId: 'intruder', courseId: 'elsewhere', role: 'Instructor' },
      { authorization: `Bearer ${token}` },
    );
    expect(claims(body.client_secret)).toMatchObject({ sub: 'lti-student', course: 'lti-course', role: 'student' });
  });

  it('refuses a tampered or expired session cookie with 401', async () => {
    const tampered = `${cookie.slice(0, -3)}${cookie.endsWith('AAA') ? 'BBB' : 'AAA'}`;
    expect((await session(prod, SPEC_BODY, { cookie: tampered })).statusCode).toBe(401);
    prod.clock.advance(12 * 3600 + 1);
    try {
      const response = await session(prod, SPEC_BODY, { cookie });
      expect(response.statusCode).toBe(401);
      expect(response.json().message).toMatch(/expired/);
    } finally {
      prod.clock.set(NOW);
    }
  });
});

describe('hosted ChatKit session (CHATKIT_WORKFLOW_ID + OPENAI_API_KEY)', () => {
  interface Received {
    method: string;
    url: string;
    headers: http.IncomingHttpHeaders;
    body: Record<string, unknown>;
  }
  const received: Received[] = [];
  let answer: { status: number; body: unknown } = { status: 200, body: {} };
  let fake: http.Server;
  let t: TestApp;
  const EXPIRES = Math.floor(NOW.getTime() / 1000) + 600;

  beforeAll(async () => {
    fake = http.createServer((request, response) => {
      let raw = '';
      request.on('data', (chunk) => {
        raw += chunk;
      });
      request.on('end', () => {
        received.push({
          method: request.method ?? '',
          url: request.url ?? '',
          headers: request.headers,
          body: raw ? JSON.parse(raw) : {},
        });
        response.writeHead(answer.status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    const { port } = fake.address() as AddressInfo;
    t = await buildTestApp({
      env: {
        NODE_ENV: 'development',
        CHATKIT_WORKFLOW_ID: 'wf_test_workflow',
        OPENAI_API_KEY: 'sk-test-key',
        OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1`,
        CHATKIT_DOMAIN_KEY: 'domain_pk_test',
        PUBLIC_URL: 'https://class-assist.example.edu/',
      },
    });
    t.clock.set(NOW);
  });
  afterAll(async () => {
    await t?.close();
    await new Promise((resolve) => fake?.close(resolve));
  });

  it("creates the OpenAI session for the member's workflow and returns its client secret beside ours", async () => {
    received.length = 0;
    answer = {
      status: 200,
      body: {
        id: 'cksess_123',
        object: 'chatkit.session',
        client_secret: 'ek_test',
        expires_at: EXPIRES,
        workflow: { id: 'wf_test_workflow', state_variables: null, tracing: { enabled: true }, version: null },
        user: 'test_course:test_user',
        status: 'active',
        max_requests_per_1_minute: 10,
        chatkit_configuration: {},
        rate_limits: { max_requests_per_1_minute: 10 },
      },
    };
    const body = await okSession(t, SPEC_BODY);
    expect(body.hosted).toStrictEqual({ client_secret: 'ek_test', expires_at: new Date(EXPIRES * 1000).toISOString() });
    expect(body.client_secret).not.toBe('ek_test');
    // With a domain key, the page is also told where the ChatKit element should point.
    expect(body.chatkit).toStrictEqual({
      url: 'https://class-assist.example.edu/chatkit',
      domain_key: 'domain_pk_test',
    });
    widget.validateState(body.widget_state);

    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/v1/chatkit/sessions');
    expect(request?.headers.authorization).toBe('Bearer sk-test-key');
    expect(request?.headers['openai-beta']).toBe('chatkit_beta=v1');
    expect(request?.headers['content-type']).toMatch(/^application\/json/);
    expect(request?.body).toStrictEqual({
      user: 'test_course:test_user',
      workflow: {
        id: 'wf_test_workflow',
        state_variables: {
          course_id: 'test_course',
          course_name: 'Test Course',
          role: 'student',
          user_id: 'test_user',
        },
      },
    });
    const workflow = request?.body.workflow as { state_variables?: Record<string, unknown> } | undefined;
    const variables = workflow?.state_variables ?? {};
    expect(Object.keys(variables)).toHaveLength(4);
    for (const value of Object.values(variables)) expect(['string', 'number', 'boolean']).toContain(typeof value);
  });

  it('answers 502 bad_gateway with a clear message when OpenAI refuses', async () => {
    received.length = 0;
    answer = {
      status: 401,
      body: {
        error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' },
      },
    };
    const response = await session(t, SPEC_BODY);
    expect(response.statusCode, response.body).toBe(502);
    const body = response.json();
    expect(body.error).toBe('bad_gateway');
    expect(body.message).toMatch(/OpenAI/);
    expect(body.message).toMatch(/hosted ChatKit session/);
    expect(body.message).toMatch(/401/);
    expect(body.message).not.toContain('sk-test-key');
    expect(received).toHaveLength(1); // a 401 is not retried
  });
});
