/**
 * submit_question with an Idempotency-Key: a retry of a submission that was stored but never acknowledged gives back
 * the same question instead of a second one; the key is per author; the same key with another question is refused;
 * and an anonymous question's row holds nothing that names its author, not even the key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp, uniqueId } from './helpers/app.js';

describe('submit_question with an Idempotency-Key', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(() => t.close());

  const stored = async (courseId: string) =>
    (
      await t.pool.query<{ id: string; user_id: string | null; idempotency_key: string | null }>(
        'SELECT id, user_id, idempotency_key FROM questions WHERE course_id = $1',
        [courseId],
      )
    ).rows;

  it('stores a repeated submission once and answers it with the same question id', async () => {
    const course = uniqueId('course');
    const ask = (user: string, key: string, anonymous = false) =>
      t.call(
        'submit_question',
        { user_id: user, course_id: course, question_body: 'What is a base case?', anonymous },
        { 'idempotency-key': key },
      );
    const key = uniqueId('key');
    const first = await ask('ada', key, true);
    expect(first.statusCode, first.body).toBe(200);
    const again = await Promise.all([ask('ada', key, true), ask('ada', key, true)]);
    expect(again.map((r) => r.json().question_id)).toEqual([first.json().question_id, first.json().question_id]);
    // Another student's key is theirs: the same key from them is another question.
    const other = await ask('alan', key);
    expect(other.json().question_id).not.toBe(first.json().question_id);

    const rows = await stored(course);
    expect(rows).toHaveLength(2);
    const anonymous = rows.find((row) => row.id === first.json().question_id);
    expect(anonymous?.user_id).toBeNull();
    expect(anonymous?.idempotency_key).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(rows)).not.toContain(key);
  });

  it('refuses the same key with a different question (409)', async () => {
    const course = uniqueId('course');
    const key = uniqueId('key');
    const send = (question_body: string) =>
      t.call('submit_question', { user_id: 'ada', course_id: course, question_body }, { 'idempotency-key': key });
    expect((await send('First question?')).statusCode).toBe(200);
    const conflict = await send('A different question?');
    expect(conflict.statusCode, conflict.body).toBe(409);
    expect(conflict.json().error).toBe('conflict');
    expect(await stored(course)).toHaveLength(1);
  });

  it('stores every submission without a key, as before', async () => {
    const course = uniqueId('course');
    for (let i = 0; i < 2; i++) {
      const response = await t.call('submit_question', {
        user_id: 'ada',
        course_id: course,
        question_body: 'Same words twice?',
      });
      expect(response.statusCode).toBe(200);
    }
    expect(await stored(course)).toHaveLength(2);
  });
});
