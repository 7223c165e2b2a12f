/**
 * LMS interventions end to end against fake Canvas and Moodle servers on loopback: the admin API (connection,
 * roster), notify_students_via_lms and assign_remedial_quiz through HTTP, the delivery outbox (pg-boss) with
 * injected failures, idempotency, permanent errors failing fast, and a worker restart — every message exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSlides, buildTestApp, DEMO_LECTURE, TEST_SECRET, type TestApp, uniqueId } from './helpers/app.js';
import { type FakeCanvas, startFakeCanvas } from './helpers/fake-canvas.js';
import { type FakeMoodle, startFakeMoodle } from './helpers/fake-moodle.js';

const FAST = { lmsHttp: { retries: 3, baseDelayMs: 5, maxDelayMs: 20, timeoutMs: 2_000 } };
const STUDENTS = ['ada', 'alan', 'grace', 'edsger', 'barbara'];

let t: TestApp;
let canvas: FakeCanvas;
let moodle: FakeMoodle;

beforeAll(async () => {
  [canvas, moodle] = await Promise.all([startFakeCanvas(), startFakeMoodle()]);
  t = await buildTestApp({ appDeps: FAST, env: { LMS_RETRY_DELAY_SECONDS: '1', LMS_RETRY_LIMIT: '2' } });
});
afterAll(async () => {
  await t?.close();
  await Promise.all([canvas?.close(), moodle?.close()]);
});

const admin = (method: 'PUT' | 'GET' | 'DELETE', url: string, payload?: unknown, app = t) =>
  app.app.inject({
    method,
    url,
    headers: {
      authorization: `Bearer ${TEST_SECRET}`,
      ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
  });

interface Course {
  id: string;
  lmsCourseId: string;
  /** user id → LMS user id */
  lmsIds: Map<string, string>;
}

/**
 * A course on `kind` with the demo slides, a roster of five students (the last without an LMS id) and an instructor;
 * `confused` students pinged just now, and `edsger` three hours ago (outside the lecture window).
 */
async function course(kind: 'canvas' | 'moodle', confused: string[], app = t): Promise<Course> {
  const id = uniqueId(`course-${kind}`);
  const lmsCourseId = String(Math.floor(Math.random() * 1e6));
  await addSlides(app.pool, id, DEMO_LECTURE.slice(0, 8));
  const users = STUDENTS.map((name, i) => ({ user_id: `${id}-${name}`, lms_user_id: `${i + 101}`, name }));
  const roster = [
    ...users.map((u, i) =>
      i === STUDENTS.length - 1 ? { user_id: u.user_id, name: u.name, role: 'student' } : { ...u, role: 'student' },
    ),
    { user_id: `${id}-prof`, lms_user_id: '900', name: 'Prof', role: 'instructor' },
  ];
  // The last student has no LMS id: loaded without one is refused, so load them through a ping only.
  const loaded = await admin(
    'PUT',
    `/api/admin/courses/${id}/roster`,
    roster.filter((r) => 'lms_user_id' in r),
    app,
  );
  expect(loaded.statusCode, loaded.body).toBe(200);
  const fakeStudents = users.slice(0, -1).map((u) => ({ id: u.lms_user_id, name: u.name }));
  if (kind === 'canvas') canvas.addCourse(lmsCourseId, fakeStudents);
  else
    moodle.addCourse(
      lmsCourseId,
      fakeStudents.map((s) => ({ id: s.id, fullname: s.name, roles: ['student'] })),
    );
  const fake = kind === 'canvas' ? canvas : moodle;
  const set = await admin(
    'PUT',
    `/api/admin/courses/${id}/lms`,
    { kind, base_url: fake.baseUrl, token: fake.token, lms_course_id: lmsCourseId },
    app,
  );
  expect(set.statusCode, set.body).toBe(200);
  const ping = async (name: string, at: Date) => {
    const response = await app.call('track_confusion', {
      user_id: `${id}-${name}`,
      course_id: id,
      slide_id: 'slide-7',
      timestamp: at.toISOString(),
    });
    expect(response.statusCode, response.body).toBe(200);
  };
  await ping('edsger', new Date(app.clock().getTime() - 3 * 3_600_000));
  for (const name of confused) await ping(name, app.clock());
  return { id, lmsCourseId, lmsIds: new Map(users.map((u) => [u.user_id, u.lms_user_id])) };
}

interface Intervention {
  intervention_id: string;
  kind: string;
  status: string;
  recipients: Array<{ user_id: string; status: string; reason?: string }>;
  lms: Record<string, unknown>;
  error?: string;
}

/** GET /api/interventions/{id} until it is completed or failed. */
async function settled(id: string, app = t): Promise<Intervention> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const response = await app.app.inject({
      method: 'GET',
      url: `/api/interventions/${id}`,
      headers: { authorization: `Bearer ${TEST_SECRET}` },
    });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json() as Intervention;
    if (body.status === 'completed' || body.status === 'failed') return body;
    if (Date.now() > deadline) throw new Error(`intervention still ${body.status}: ${response.body}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const statuses = (view: Intervention) =>
  Object.fromEntries(view.recipients.map((r) => [r.user_id.split('-').at(-1), r.status]));

describe('the LMS connection and roster (admin API)', () => {
  it('stores the connection without ever returning or keeping the token in clear', async () => {
    const id = uniqueId('course');
    const token = 'canvas-secret-token-abcdef123456';
    const set = await admin('PUT', `/api/admin/courses/${id}/lms`, {
      kind: 'canvas',
      base_url: 'https://canvas.example.edu/',
      token,
      lms_course_id: '42',
    });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json()).toStrictEqual({
      course_id: id,
      kind: 'canvas',
      base_url: 'https://canvas.example.edu',
      lms_course_id: '42',
      has_token: true,
      source: 'course',
    });
    expect((await admin('GET', `/api/admin/courses/${id}/lms`)).json()).toStrictEqual(set.json());
    const { rows } = await t.pool.query('SELECT token_encrypted FROM lms_connections WHERE course_id = $1', [id]);
    expect(rows[0].token_encrypted).toMatch(/^v1\./);
    expect(rows[0].token_encrypted).not.toContain(token);
    expect(t.logs.join('')).not.toContain(token);
    expect((await admin('DELETE', `/api/admin/courses/${id}/lms`)).statusCode).toBe(204);
    expect((await admin('GET', `/api/admin/courses/${id}/lms`)).statusCode).toBe(404);
    expect((await admin('DELETE', `/api/admin/courses/${id}/lms`)).statusCode).toBe(404);
  });

  it('refuses bad connections and rosters with 400s naming the field, and callers without the secret', async () => {
    const url = `/api/admin/courses/${uniqueId('course')}/lms`;
    for (const [body, field] of [
      [{ kind: 'blackboard' }, 'kind'],
      [{ kind: 'canvas', token: 'x' }, 'base_url'],
      [{ kind: 'moodle', base_url: 'https://m.example.edu' }, 'token'],
      [{ kind: 'canvas', base_url: 'ftp://x', token: 'x' }, 'base_url'],
      [{ kind: 'lti-ags', extra: 1 }, 'extra'],
    ] as const) {
      const response = await admin('PUT', url, body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.json().details.map((d: { path: string }) => d.path)).toContain(field);
    }
    const roster = await admin('PUT', url.replace('/lms', '/roster'), [{ user_id: 'a', name: 'A', role: 'teacher' }]);
    expect(roster.statusCode).toBe(400);
    expect(
      roster
        .json()
        .details.map((d: { path: string }) => d.path)
        .sort(),
    ).toStrictEqual(['[0].lms_user_id', '[0].role']);
    const anonymous = await t.app.inject({ method: 'GET', url });
    expect(anonymous.statusCode).toBe(401);
  });
});

describe('notify_students_via_lms through Canvas', () => {
  it('messages exactly the confused students once each, through rate limits and 500s', async () => {
    const c = await course('canvas', ['ada', 'alan', 'barbara']);
    canvas.failNext(2, 'rate-limit', { pathPrefix: '/api/v1/conversations' });
    canvas.failNext(1, '500', { pathPrefix: '/api/v1/conversations' });
    const before = canvas.messages.length;
    const response = await t.call('notify_students_via_lms', {
      course_id: c.id,
      recipient_filter: 'confused_students',
      message: 'We will go over gradient descent again on Thursday.',
    });
    expect(response.statusCode, response.body).toBe(200);
    const queued = response.json() as Intervention;
    expect(queued.status).toBe('queued');
    const done = await settled(queued.intervention_id);
    expect(done.status).toBe('completed');
    // barbara has no LMS id: reported, not sent; edsger's confusion is outside the lecture window.
    expect(statuses(done)).toStrictEqual({ ada: 'sent', alan: 'sent', barbara: 'failed' });
    expect(done.recipients.find((r) => r.user_id.endsWith('barbara'))?.reason).toMatch(/No LMS user id/);
    const sent = canvas.messages.slice(before);
    expect(sent.map((m) => m.recipientId).sort()).toStrictEqual(['101', '102']);
    expect(sent.every((m) => m.body === 'We will go over gradient descent again on Thursday.')).toBe(true);
  });

  it('sends once for a repeated Idempotency-Key, and fails fast with the reason on a bad token', async () => {
    const c = await course('canvas', ['grace']);
    const args = { course_id: c.id, recipient_filter: 'confused_students', message: 'Office hours at 3.' };
    const key = { 'idempotency-key': uniqueId('key') };
    const first = (await t.call('notify_students_via_lms', args, key)).json() as Intervention;
    const second = (await t.call('notify_students_via_lms', args, key)).json() as Intervention;
    expect(second.intervention_id).toBe(first.intervention_id);
    await settled(first.intervention_id);
    expect(canvas.messages.filter((m) => m.recipientId === '103' && m.body === 'Office hours at 3.')).toHaveLength(1);

    await admin('PUT', `/api/admin/courses/${c.id}/lms`, {
      kind: 'canvas',
      base_url: canvas.baseUrl,
      token: 'not-the-token',
      lms_course_id: c.lmsCourseId,
    });
    const requests = canvas.requests.length;
    const failed = await settled(
      ((await t.call('notify_students_via_lms', { ...args, message: 'Again' })).json() as Intervention).intervention_id,
    );
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/Canvas refused the token \(401\)/);
    expect(failed.recipients[0]).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/refused the token/),
    });
    expect(canvas.requests.length - requests).toBe(1);
    expect(t.logs.join('')).not.toContain('not-the-token');
  });
});

describe('recipients', () => {
  it('struggling_students: confused on 3 distinct slides in 7 days, or under 60 % on their latest quiz', async () => {
    const c = await course('canvas', []);
    const at = (days: number) => new Date(t.clock().getTime() - days * 86_400_000).toISOString();
    const ping = (name: string, slide: string, days: number) =>
      t.call('track_confusion', { user_id: `${c.id}-${name}`, course_id: c.id, slide_id: slide, timestamp: at(days) });
    for (const slide of ['slide-1', 'slide-2', 'slide-3']) await ping('ada', slide, 2); // struggling
    for (const slide of ['slide-1', 'slide-2']) await ping('alan', slide, 1); // two slides only
    for (const slide of ['slide-4', 'slide-5', 'slide-6']) await ping('grace', slide, 9); // too long ago
    // barbara and grace took quizzes: barbara's latest is 1 of 5, grace's latest 4 of 5 (after a poor first one).
    const attempt = async (name: string, correct: number, minutesAgo: number) => {
      const quiz = crypto.randomUUID();
      const questions = [0, 1, 2, 3, 4].map((i) => ({ id: `q${i}`, slide_id: 'slide-1' }));
      await t.pool.query(
        `INSERT INTO quizzes (id, course_id, focus, questions, source) VALUES ($1, $2, 'x', $3, 'offline')`,
        [quiz, c.id, JSON.stringify(questions)],
      );
      const id = crypto.randomUUID();
      const finished = new Date(t.clock().getTime() - minutesAgo * 60_000);
      await t.pool.query(
        `INSERT INTO quiz_attempts (id, quiz_id, course_id, user_id, started_at, finished_at) VALUES ($1, $2, $3, $4, $5, $5)`,
        [id, quiz, c.id, `${c.id}-${name}`, finished],
      );
      for (const q of questions) {
        await t.pool.query(
          `INSERT INTO quiz_answers (attempt_id, course_id, question_id, slide_id, choice_index, correct, answered_at)
           VALUES ($1, $2, $3, 'slide-1', 0, $4, $5)`,
          [id, c.id, q.id, Number(q.id.slice(1)) < correct, finished],
        );
      }
    };
    // barbara is not on the roster (no LMS id): enrolled by a launch that gave none.
    await t.pool.query('INSERT INTO users (id) VALUES ($1) ON CONFLICT DO NOTHING', [`${c.id}-barbara`]);
    await t.pool.query(`INSERT INTO enrollments (course_id, user_id, role) VALUES ($1, $2, 'student')`, [
      c.id,
      `${c.id}-barbara`,
    ]);
    await attempt('barbara', 1, 30);
    await attempt('grace', 1, 60);
    await attempt('grace', 4, 10);
    const response = await t.call('notify_students_via_lms', {
      course_id: c.id,
      recipient_filter: 'struggling_students',
      message: 'Extra help session tomorrow.',
    });
    expect(response.statusCode, response.body).toBe(200);
    const done = await settled((response.json() as Intervention).intervention_id);
    expect(Object.keys(statuses(done)).sort()).toStrictEqual(['ada', 'barbara']);
  });
});

describe('notify_students_via_lms through Moodle', () => {
  it('reports a message Moodle refused per recipient and delivers the others', async () => {
    const c = await course('moodle', ['ada', 'alan', 'grace']);
    moodle.failMessagesTo('102', 'The user has blocked messages');
    const before = moodle.messages.length;
    const response = await t.call('notify_students_via_lms', {
      course_id: c.id,
      recipient_filter: 'all_students',
      message: 'Quiz on Friday <b>covers slides 5-8</b>.',
    });
    const done = await settled((response.json() as Intervention).intervention_id);
    // Every student of the course: barbara is not enrolled here (she never launched, pinged, nor is on the roster).
    expect(statuses(done)).toStrictEqual({
      ada: 'sent',
      alan: 'failed',
      edsger: 'sent',
      grace: 'sent',
    });
    expect(done.recipients.find((r) => r.user_id.endsWith('alan'))?.reason).toBe(
      'Moodle: The user has blocked messages',
    );
    const sent = moodle.messages.slice(before);
    expect(sent.map((m) => m.toUserId).sort()).toStrictEqual(['101', '103', '104']);
    // Plain text is escaped for Moodle's HTML messages.
    expect(sent[0]?.text).toContain('&#60;b&#62;');
  });
});

describe('assign_remedial_quiz', () => {
  it('creates the quiz in Canvas with its questions, visible only to the confused students, published', async () => {
    const c = await course('canvas', ['ada', 'grace']);
    canvas.failNext(1, '500', { pathPrefix: `/api/v1/courses/${c.lmsCourseId}/quizzes` });
    const response = await t.call('assign_remedial_quiz', {
      course_id: c.id,
      quiz_type: 'assessment',
      topics: ['Gradient descent'],
    });
    expect(response.statusCode, `${response.body} ${t.logs.filter((l) => l.includes('"level":50')).join('\n')}`).toBe(
      200,
    );
    const done = await settled((response.json() as Intervention).intervention_id);
    expect(done.status, JSON.stringify(done)).toBe('completed');
    expect(statuses(done)).toStrictEqual({ ada: 'sent', grace: 'sent' });
    const quizzes = canvas.quizzes.filter((q) => q.courseId === c.lmsCourseId);
    expect(quizzes).toHaveLength(1);
    const quiz = quizzes[0];
    expect(quiz?.quizType).toBe('assignment');
    expect(quiz?.published).toBe(true);
    expect(quiz?.questions).toHaveLength(5);
    expect(quiz?.questions.every((q) => q.answers.filter((a) => a.weight === 100).length === 1)).toBe(true);
    expect(quiz?.overrides.map((o) => [...o.studentIds].sort())).toStrictEqual([['101', '103']]);
    expect(done.lms).toMatchObject({ quiz_id: quiz?.id, questions_added: 5, published: true });
  });
});

describe('a worker restart', () => {
  it('resumes an unfinished intervention on another instance and delivers it once', async () => {
    const a = await buildTestApp({ appDeps: FAST, env: { LMS_RETRY_DELAY_SECONDS: '1', LMS_RETRY_LIMIT: '3' } });
    const c = await course('canvas', ['ada', 'alan'], a);
    // Canvas is down for the first attempt (4 requests with its in-attempt retries): the job waits for a retry.
    canvas.failNext(4, '500', { pathPrefix: '/api/v1/conversations' });
    const before = canvas.messages.length;
    const response = await a.call('notify_students_via_lms', {
      course_id: c.id,
      recipient_filter: 'confused_students',
      message: 'Restart-proof message',
    });
    const id = (response.json() as Intervention).intervention_id;
    const deadline = Date.now() + 10_000;
    while (canvas.requests.filter((r) => r.fault === '500').length < 4 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await a.app.close(); // the worker stops before the retry
    const b = await buildTestApp({ appDeps: FAST, databaseUrl: a.databaseUrl });
    try {
      await b.app.outbox.start();
      const done = await settled(id, b);
      expect(done.status).toBe('completed');
      const sent = canvas.messages.slice(before).filter((m) => m.body === 'Restart-proof message');
      expect(sent.map((m) => m.recipientId).sort()).toStrictEqual(['101', '102']);
    } finally {
      await b.close();
      await a.close();
    }
  });
});

describe('two instances working one outbox', () => {
  it('delivers every intervention exactly once, whichever instance queued it', async () => {
    const b = await buildTestApp({ appDeps: FAST, databaseUrl: t.databaseUrl });
    try {
      await Promise.all([t.app.outbox.start(), b.app.outbox.start()]);
      const c = await course('canvas', ['ada', 'alan', 'grace']);
      canvas.failNext(3, '500', { pathPrefix: '/api/v1/conversations' });
      const before = canvas.messages.length;
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) {
        const app = i % 2 === 0 ? t : b;
        const response = await app.call('notify_students_via_lms', {
          course_id: c.id,
          recipient_filter: 'confused_students',
          message: `Announcement ${i}`,
        });
        expect(response.statusCode, response.body).toBe(200);
        ids.push((response.json() as Intervention).intervention_id);
      }
      for (const id of ids) expect((await settled(id)).status).toBe('completed');
      const sent = canvas.messages.slice(before);
      expect(sent).toHaveLength(18);
      for (let i = 0; i < 6; i++) {
        expect(
          sent
            .filter((m) => m.body === `Announcement ${i}`)
            .map((m) => m.recipientId)
            .sort(),
        ).toStrictEqual(['101', '102', '103']);
      }
    } finally {
      await b.close();
    }
  });
});
