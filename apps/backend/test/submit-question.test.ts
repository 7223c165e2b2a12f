/**
 * submit_question (DESIGN.md, "Contract" and "Meanings"): a question is stored with its author, or — anonymous —
 * with no link to them at all: no user id in the row, no activity time, nothing in the logs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, TEST_SECRET, type TestApp, uniqueId } from './helpers/app.js';

const START = new Date('2025-03-10T10:00:00.000Z');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface QuestionRow {
  id: string;
  course_id: string;
  user_id: string | null;
  anonymous: boolean;
  body: string;
  created_at: Date;
}

describe('submit_question', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(() => t.close());

  const questions = async (courseId: string) =>
    (
      await t.pool.query<QuestionRow>(
        'SELECT id, course_id, user_id, anonymous, body, created_at FROM questions WHERE course_id = $1 ORDER BY created_at, id',
        [courseId],
      )
    ).rows;

  const lastSeen = async (courseId: string, userId: string): Promise<Date | undefined> =>
    (
      await t.pool.query<{ last_seen_at: Date }>(
        'SELECT last_seen_at FROM enrollments WHERE course_id = $1 AND user_id = $2',
        [courseId, userId],
      )
    ).rows[0]?.last_seen_at;

  function expectRefused(response: { statusCode: number; body: string; json(): unknown }) {
    expect(response.statusCode, response.body).toBe(400);
    const body = response.json() as { error: string; details: Array<{ path: string }> };
    expect(body.error).toBe('validation_failed');
    expect(body.details.map((d) => d.path)).toContain('question_body');
  }

  it('stores the question with its author and answers exactly as the contract says', async () => {
    t.clock.set(START);
    const course = uniqueId('course');
    const user = uniqueId('user');
    const response = await t.call('submit_question', {
      user_id: user,
      course_id: course,
      question_body: 'Why does the recursion need a base case?',
    });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body).toStrictEqual({
      success: true,
      message: 'Question submitted successfully',
      question_id: expect.stringMatching(UUID),
    });
    expect(await questions(course)).toStrictEqual([
      {
        id: body.question_id,
        course_id: course,
        user_id: user,
        anonymous: false,
        body: 'Why does the recursion need a base case?',
        created_at: START,
      },
    ]);
    // A named question is activity of its author.
    expect(await lastSeen(course, user)).toStrictEqual(START);
  });

  it('stores every question, each with its own id, and keeps line breaks', async () => {
    t.clock.set(START);
    const course = uniqueId('course');
    const user = uniqueId('user');
    const ids: string[] = [];
    for (const question_body of ['Same question?', 'Same question?', 'Line one\nline two']) {
      const response = await t.call('submit_question', { user_id: user, course_id: course, question_body });
      expect(response.statusCode, response.body).toBe(200);
      ids.push(response.json().question_id);
    }
    expect(new Set(ids).size).toBe(3);
    const stored = await questions(course);
    expect(stored.map((q) => q.id).sort()).toStrictEqual([...ids].sort());
    expect(stored.map((q) => q.body).sort()).toStrictEqual(['Line one\nline two', 'Same question?', 'Same question?']);
  });

  it('stores an anonymous question with no author and does not mark its author active', async () => {
    t.clock.set(START);
    const course = uniqueId('course');
    const [known, stranger] = [uniqueId('known'), uniqueId('stranger')];
    const notes = await t.call('fetch_notes', { user_id: known, course_id: course });
    expect(notes.statusCode).toBe(200);
    expect(await lastSeen(course, known)).toStrictEqual(START);

    t.clock.advance(60);
    for (const user_id of [known, stranger]) {
      const response = await t.call('submit_question', {
        user_id,
        course_id: course,
        question_body: `Asked quietly by someone (${user_id === known ? 1 : 2})`,
        anonymous: true,
      });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toStrictEqual({
        success: true,
        message: 'Question submitted successfully',
        question_id: expect.stringMatching(UUID),
      });
      expect(response.body).not.toContain(user_id);
    }
    const stored = await questions(course);
    expect(stored).toHaveLength(2);
    for (const question of stored) expect(question).toMatchObject({ user_id: null, anonymous: true });
    // The known author's last activity stays where it was; the stranger was never recorded anywhere.
    expect(await lastSeen(course, known)).toStrictEqual(START);
    expect(await lastSeen(course, stranger)).toBeUndefined();
    const users = await t.pool.query('SELECT id FROM users WHERE id = $1', [stranger]);
    expect(users.rows).toStrictEqual([]);
  });

  it('stores a question with anonymous: false with its author', async () => {
    t.clock.set(START);
    const course = uniqueId('course');
    const user = uniqueId('user');
    const response = await t.call('submit_question', {
      user_id: user,
      course_id: course,
      question_body: 'Not shy',
      anonymous: false,
    });
    expect(response.statusCode).toBe(200);
    expect(await questions(course)).toMatchObject([{ user_id: user, anonymous: false }]);
  });

  it('never writes an anonymous author’s id or address to the logs; a named author’s id is logged', async () => {
    t.clock.set(START);
    const course = uniqueId('course');
    const [anonymousAuthor, namedAuthor] = [uniqueId('anon'), uniqueId('named')];
    const address = '203.0.113.77';
    const forwarded = '198.51.100.23';
    const secretQuestion = `Is it fine that I am lost? ${uniqueId('q')}`;
    const before = t.logs.length;
    const send = (body: Record<string, unknown>) =>
      t.app.inject({
        method: 'POST',
        url: '/api/agentkit/submit_question',
        remoteAddress: address,
        headers: {
          authorization: `Bearer ${TEST_SECRET}`,
          'content-type': 'application/json',
          'x-forwarded-for': forwarded,
          'user-agent': `${anonymousAuthor}-browser`,
        },
        payload: JSON.stringify(body),
      });

    const anonymous = await send({
      user_id: anonymousAuthor,
      course_id: course,
      question_body: secretQuestion,
      anonymous: true,
    });
    expect(anonymous.statusCode, anonymous.body).toBe(200);
    // A refused anonymous question (blank, too long) is not logged with its author either.
    for (const question_body of ['   ', 'x'.repeat(5_001)]) {
      const refused = await send({ user_id: anonymousAuthor, course_id: course, question_body, anonymous: true });
      expect(refused.statusCode).toBe(400);
    }
    const anonymousLines = t.logs.slice(before);
    // The calls were logged (so the checks below are not vacuous): one request line and one function line each.
    expect(anonymousLines.filter((line) => line.includes('"fn":"submit_question"'))).toHaveLength(3);
    expect(anonymousLines.filter((line) => line.includes('/api/agentkit/submit_question'))).toHaveLength(3);
    for (const line of t.logs) {
      expect(line).not.toContain(anonymousAuthor);
      expect(line).not.toContain(address);
      expect(line).not.toContain(forwarded);
      expect(line).not.toContain(secretQuestion);
    }

    const named = await t.call('submit_question', {
      user_id: namedAuthor,
      course_id: course,
      question_body: 'Asked openly',
    });
    expect(named.statusCode).toBe(200);
    expect(t.logs.some((line) => line.includes(namedAuthor))).toBe(true);
  });

  it('refuses a missing, empty or blank question with 400 and stores nothing', async () => {
    const course = uniqueId('course');
    const user = uniqueId('user');
    expectRefused(await t.call('submit_question', { user_id: user, course_id: course }));
    for (const question_body of ['', ' ', '   \n\t  ', '\u00a0\u2003']) {
      expectRefused(await t.call('submit_question', { user_id: user, course_id: course, question_body }));
    }
    expect(await questions(course)).toStrictEqual([]);
  });

  it('accepts 5000 characters and refuses 5001, counting characters rather than bytes or UTF-16 units', async () => {
    const course = uniqueId('course');
    const user = uniqueId('user');
    const submit = (question_body: string) =>
      t.call('submit_question', { user_id: user, course_id: course, question_body });

    expect((await submit('q'.repeat(5_000))).statusCode).toBe(200);
    expect((await submit('🤔'.repeat(5_000))).statusCode).toBe(200);
    expectRefused(await submit('q'.repeat(5_001)));
    expectRefused(await submit('🤔'.repeat(5_001)));
    const { rows } = await t.pool.query<{ length: number }>(
      'SELECT char_length(body) AS length FROM questions WHERE course_id = $1 ORDER BY length',
      [course],
    );
    expect(rows).toStrictEqual([{ length: 5_000 }, { length: 5_000 }]);
  });

  it('refuses a question containing NUL, which PostgreSQL cannot store, with 400 rather than a 500', async () => {
    const course = uniqueId('course');
    const response = await t.call('submit_question', {
      user_id: uniqueId('user'),
      course_id: course,
      question_body: 'What does \u0000 mean?',
    });
    expectRefused(response);
    expect(await questions(course)).toStrictEqual([]);
  });
});
