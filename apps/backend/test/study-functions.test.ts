/**
 * Study help over the demo lecture: generate_quiz (confusion zones, recent topics), explain_topic, the stored quiz's
 * exports (QTI 1.2, Moodle XML, GIFT, Aiken) and the widget's study actions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenService } from '../src/auth/tokens.js';
import { buildTestApp, seedDemo, type TestApp, uniqueId } from './helpers/app.js';
import { listen, openSession, openThread, stream } from './helpers/chatkit.js';

const COURSE = 'demo';

interface Question {
  id: string;
  prompt: string;
  choices: string[];
  answer_index: number;
  explanation: string;
  slide_id: string;
}
interface Quiz {
  quiz_id: string;
  focus: string;
  topics: string[];
  questions: Question[];
  source: string;
  message?: string;
}

let t: TestApp;
let notes: Map<string, string>;

beforeAll(async () => {
  t = await buildTestApp();
  await seedDemo(t);
  const { rows } = await t.pool.query<{ id: string; notes: string }>(
    'SELECT id, notes FROM slides WHERE course_id = $1',
    [COURSE],
  );
  notes = new Map(rows.map((r) => [r.id, r.notes]));
});
afterAll(() => t.close());

async function ping(userId: string, slideId: string) {
  const response = await t.call('track_confusion', { user_id: userId, course_id: COURSE, slide_id: slideId });
  expect(response.statusCode, response.body).toBe(200);
}

async function quiz(body: Record<string, unknown>): Promise<Quiz> {
  const response = await t.call('generate_quiz', { course_id: COURSE, ...body });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

function expectGrounded(q: Quiz, slides: string[]) {
  expect(q.questions).toHaveLength(5);
  expect(q.source).toBe('offline');
  for (const question of q.questions) {
    expect(slides).toContain(question.slide_id);
    expect(question.choices).toHaveLength(4);
    const answer = question.choices[question.answer_index] ?? '';
    expect(answer.length).toBeGreaterThan(0);
    expect((notes.get(question.slide_id) ?? '').toLowerCase()).toContain(answer.toLowerCase());
  }
}

async function sessionToken(courseId: string, role: 'student' | 'instructor') {
  const tokens = createTokenService(t.config.sessionSecret);
  return (await tokens.issue('session', { userId: uniqueId('u'), courseId, courseName: courseId, role })).token;
}

describe('generate_quiz', () => {
  it("asks 5 questions grounded in the student's confusion zones and stores the quiz", async () => {
    const student = uniqueId('student');
    await ping(student, 'slide-7');
    await ping(student, 'slide-9');
    const q = await quiz({ user_id: student, focus: 'confusion-zones' });
    expectGrounded(q, ['slide-7', 'slide-9']);
    expect(new Set(q.questions.map((x) => x.slide_id))).toEqual(new Set(['slide-7', 'slide-9']));
    expect(q.topics).toHaveLength(2);
    const { rows } = await t.pool.query(
      'SELECT course_id, user_id, focus, topics, questions, source FROM quizzes WHERE id = $1',
      [q.quiz_id],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ course_id: COURSE, user_id: student, focus: 'confusion-zones', source: 'offline' });
    expect(rows[0].topics).toStrictEqual(q.topics);
    expect(rows[0].questions).toStrictEqual(q.questions);
  });

  it('defaults to confusion zones, and falls back to the course\u2019s most confused slides', async () => {
    const fresh = await quiz({ user_id: uniqueId('student') });
    expect(fresh.focus).toBe('confusion-zones');
    expect(fresh.questions.length).toBeGreaterThan(0);
    expect(fresh.questions.every((x) => notes.has(x.slide_id))).toBe(true);
  });

  it('recent-topics asks about the current slide and the ones before it', async () => {
    await t.pool.query(`UPDATE courses SET current_slide_id = 'slide-7' WHERE id = $1`, [COURSE]);
    try {
      const q = await quiz({ user_id: uniqueId('student'), focus: 'recent-topics' });
      expectGrounded(q, ['slide-5', 'slide-6', 'slide-7']);
      expect(q.questions.map((x) => x.slide_id)).toContain('slide-7');
    } finally {
      await t.pool.query(`UPDATE courses SET current_slide_id = 'slide-1' WHERE id = $1`, [COURSE]);
    }
  });
});

describe('explain_topic', () => {
  it('explains gradient descent citing slide 7', async () => {
    const response = await t.call('explain_topic', {
      user_id: uniqueId('student'),
      course_id: COURSE,
      topic: 'gradient descent',
    });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body.source).toBe('offline');
    expect(body.sources.map((s: { slide_id: string }) => s.slide_id)).toContain('slide-7');
    expect(body.explanation).toMatch(/gradient descent/i);
  });

  it('says an unknown topic is not in the course material', async () => {
    const response = await t.call('explain_topic', {
      user_id: uniqueId('student'),
      course_id: COURSE,
      topic: 'quantum chromodynamics',
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({
      sources: [],
      explanation: expect.stringMatching(/not in the course material/),
    });
  });
});

describe('acting as another user', () => {
  it('refuses a student who names someone else (403) for both functions', async () => {
    const { createRegistry } = await import('../src/functions/registry.js');
    const pino = (await import('pino')).default;
    const registry = createRegistry(
      { db: t.db, pool: t.pool, classroom: t.config.classroom, clock: t.clock },
      pino({ level: 'silent' }),
    );
    const actor = { kind: 'member', userId: 'me', courseId: COURSE, role: 'student' } as const;
    for (const [name, args] of [
      ['generate_quiz', { user_id: 'someone-else', course_id: COURSE }],
      ['explain_topic', { user_id: 'someone-else', course_id: COURSE, topic: 'regularization' }],
    ] as const) {
      await expect(registry.invoke(name, actor, args)).rejects.toMatchObject({ code: 'forbidden', status: 403 });
    }
  });
});

describe('GET /api/quizzes/{id}/export', () => {
  let quizId: string;
  beforeAll(async () => {
    const student = uniqueId('student');
    await ping(student, 'slide-7');
    quizId = (await quiz({ user_id: student })).quiz_id;
  });
  const get = (id: string, format: string, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'GET', url: `/api/quizzes/${id}/export?format=${format}`, headers });

  it('downloads the four formats for the service and an instructor session', async () => {
    const instructor = await sessionToken(COURSE, 'instructor');
    const callers: Array<Record<string, string>> = [
      { authorization: `Bearer ${t.config.agentkitSecret}` },
      { cookie: `class_assist_session=${instructor}` },
    ];
    for (const headers of callers) {
      const qti = await get(quizId, 'qti12', headers);
      expect(qti.statusCode, qti.body).toBe(200);
      expect(qti.headers['content-type']).toBe('application/zip');
      expect(qti.headers['content-disposition']).toMatch(/^attachment; filename=".+\.zip"$/);
      expect(qti.rawPayload.subarray(0, 2).toString('latin1')).toBe('PK');
      const xml = await get(quizId, 'moodle-xml', headers);
      expect(xml.statusCode).toBe(200);
      expect(xml.headers['content-type']).toMatch(/^application\/xml/);
      expect(xml.headers['content-disposition']).toMatch(/\.xml"$/);
      expect(xml.body).toContain('<quiz>');
      for (const format of ['gift', 'aiken']) {
        const text = await get(quizId, format, headers);
        expect(text.statusCode, text.body).toBe(200);
        expect(text.headers['content-type']).toMatch(/^text\/plain/);
        expect(text.headers['content-disposition']).toMatch(/^attachment; filename=".+\.txt"$/);
        expect(text.body.length).toBeGreaterThan(100);
      }
    }
    const aiken = await get(quizId, 'aiken', { authorization: `Bearer ${t.config.agentkitSecret}` });
    expect(aiken.body.match(/^ANSWER: [A-D]$/gm)).toHaveLength(5);
  });

  it('401 without auth, 400 for a bad format, 404 for an unknown quiz or another course, 403 for a student', async () => {
    const service = { authorization: `Bearer ${t.config.agentkitSecret}` };
    expect((await get(quizId, 'gift')).statusCode).toBe(401);
    expect((await get(quizId, 'gift', { authorization: 'Bearer wrong' })).statusCode).toBe(401);
    expect((await get(quizId, 'pdf', service)).statusCode).toBe(400);
    expect(
      (await t.app.inject({ method: 'GET', url: `/api/quizzes/${quizId}/export`, headers: service })).statusCode,
    ).toBe(400);
    expect((await get('00000000-0000-4000-8000-000000000000', 'gift', service)).statusCode).toBe(404);
    expect((await get('not-a-uuid', 'gift', service)).statusCode).toBe(404);
    const student = await sessionToken(COURSE, 'student');
    expect((await get(quizId, 'gift', { authorization: `Bearer ${student}` })).statusCode).toBe(403);
    const other = await sessionToken(uniqueId('other'), 'instructor');
    expect((await get(quizId, 'gift', { authorization: `Bearer ${other}` })).statusCode).toBe(404);
  });
});

describe('widget study actions', () => {
  async function seat() {
    const base = await listen(t);
    const userId = uniqueId('student');
    const { client_secret } = await openSession(t, { userId, courseId: COURSE, courseName: 'Demo', role: 'Learner' });
    const { threadId, widget } = await openThread(base, client_secret);
    const act = async (type: string, payload: Record<string, unknown>) => {
      const events = await stream(base, client_secret, {
        type: 'threads.custom_action',
        params: { thread_id: threadId, item_id: widget.id, action: { type, payload } },
      });
      expect(events.find((e) => e.type === 'error')).toBeUndefined();
      return events
        .filter((e) => e.type === 'thread.item.done')
        .map((e) => e.item as { type: string; content?: Array<{ text: string }> });
    };
    return { userId, act };
  }

  it('study.explain adds an assistant message with the explanation', async () => {
    const { act } = await seat();
    const items = await act('study.explain', { topic: 'gradient descent' });
    expect(items.map((i) => i.type)).toStrictEqual(['assistant_message']);
    const text = items[0]?.content?.[0]?.text ?? '';
    expect(text).toMatch(/Gradient Descent/);
    expect(text).toContain('Check yourself');
  });
});
