/**
 * Confusion pings are written in micro-batches (domain/ping-batcher.ts): pings of one course arriving together share
 * one transaction, behave exactly like sequential calls, and are answered only after their batch has committed. A
 * batch that fails answers every caller with the error and stores nothing.
 */
import type { TrackConfusionResult } from '@class-assist/contracts';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDb } from '../src/db/pool.js';
import { type Ping, recordPings } from '../src/domain/confusion.service.js';
import type { DomainDeps } from '../src/domain/deps.js';
import { createBatcher } from '../src/domain/ping-batcher.js';
import { buildTestApp, type TestApp, uniqueId } from './helpers/app.js';
import { parsePrometheusText, sampleValue } from './helpers/prometheus.js';

const START = new Date('2025-03-10T10:00:00.000Z');

describe('the batcher', () => {
  /** A batcher over a fake writer that records its batches and answers each item doubled. */
  const recording = (maxSize: number, maxWaitMs: number) => {
    const batches: Array<{ key: string; items: number[] }> = [];
    let release: () => void = () => undefined;
    let gate: Promise<void> | undefined;
    const batcher = createBatcher<number, number>({ maxSize, maxWaitMs }, async (key, items) => {
      batches.push({ key, items });
      await gate;
      return items.map((n) => n * 2);
    });
    const hold = () => {
      gate = new Promise((resolve) => {
        release = resolve;
      });
    };
    return { batcher, batches, hold, release: () => release() };
  };

  it('writes at maxSize at once, the rest after maxWaitMs, each key on its own, and answers each item', async () => {
    // Fake timers: the test decides when maxWaitMs has passed, so a loaded machine cannot reorder anything.
    vi.useFakeTimers();
    try {
      const { batcher, batches } = recording(3, 30);
      const answers = Promise.all([1, 2, 3, 4, 5].map((n) => batcher.submit('a', n)));
      const other = batcher.submit('b', 9);
      await vi.advanceTimersByTimeAsync(29);
      expect(batches).toStrictEqual([{ key: 'a', items: [1, 2, 3] }]);
      await vi.advanceTimersByTimeAsync(1);
      expect(await answers).toStrictEqual([2, 4, 6, 8, 10]);
      expect(await other).toBe(18);
      expect(batches[0]).toStrictEqual({ key: 'a', items: [1, 2, 3] });
      expect(batches.slice(1).sort((x, y) => x.key.localeCompare(y.key))).toStrictEqual([
        { key: 'a', items: [4, 5] },
        { key: 'b', items: [9] },
      ]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('writes one batch of a key at a time: items arriving meanwhile wait for it and go together', async () => {
    const { batcher, batches, hold, release } = recording(64, 0);
    hold();
    const first = batcher.submit('a', 1);
    const later = [2, 3, 4].map((n) => batcher.submit('a', n));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(batches.map((b) => b.items)).toStrictEqual([[1]]);
    release();
    expect(await Promise.all([first, ...later])).toStrictEqual([2, 4, 6, 8]);
    expect(batches.map((b) => b.items)).toStrictEqual([[1], [2, 3, 4]]);
  });

  it('writes up to maxInFlight batches of a key at once', async () => {
    const batches: number[][] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const batcher = createBatcher<number, number>(
      { maxSize: 2, maxWaitMs: 60_000, maxInFlight: 2 },
      async (_key, items) => {
        batches.push(items);
        await gate;
        return items;
      },
    );
    const all = Promise.all([1, 2, 3, 4, 5, 6].map((n) => batcher.submit('a', n)));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(batches).toStrictEqual([
      [1, 2],
      [3, 4],
    ]);
    release();
    expect(await all).toStrictEqual([1, 2, 3, 4, 5, 6]);
    expect(batches).toStrictEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
  });

  it('drains: everything pending is written at once', async () => {
    const { batcher, batches } = recording(64, 60_000);
    const answer = batcher.submit('a', 1);
    await batcher.drain();
    expect(batches.map((b) => b.items)).toStrictEqual([[1]]);
    expect(await answer).toBe(2);
  });
});

describe('track_confusion in batches', () => {
  let t: TestApp;
  beforeAll(async () => {
    // A long wait, so that pings sent together certainly share a batch however slow the machine.
    t = await buildTestApp({ env: { PING_BATCH_WAIT_MS: '100' } });
    t.clock.set(START);
  });
  afterAll(() => t.close());

  const batchCount = async () => {
    const response = await t.app.inject({ method: 'GET', url: '/metrics' });
    return sampleValue(parsePrometheusText(response.body), 'class_assist_ping_batch_size_count');
  };
  const count = async (sql: string, course: string) => Number((await t.pool.query(sql, [course])).rows[0].n);
  const events = (course: string) => count('SELECT count(*) AS n FROM confusion_events WHERE course_id = $1', course);
  const ping = (body: Record<string, unknown>) => t.call('track_confusion', body);
  const answers = (responses: LightMyRequestResponse[]) => {
    for (const r of responses) expect(r.statusCode, r.body).toBe(200);
    return responses.map((r) => r.json() as TrackConfusionResult);
  };

  it('stores the pings of 60 students sent at once in one transaction, and answers each with the class after it', async () => {
    const course = uniqueId('course');
    const before = await batchCount();
    const students = Array.from({ length: 60 }, (_, i) => uniqueId(`s${i}`));
    const results = answers(
      await Promise.all(students.map((user_id) => ping({ user_id, course_id: course, slide_id: 'slide-1' }))),
    );
    expect(await batchCount()).toBe(before + 1);
    expect(await events(course)).toBe(60);
    expect(await count('SELECT count(*) AS n FROM enrollments WHERE course_id = $1', course)).toBe(60);
    expect(results.every((r) => !r.duplicate)).toBe(true);
    // One verdict for the batch: all 60 confused and active.
    for (const r of results) {
      expect(r).toStrictEqual({
        success: true,
        threshold_exceeded: true,
        current_percentage: 100,
        confused_students: 60,
        active_students: 60,
        duplicate: false,
      });
    }
  });

  it('splits more pings than PING_BATCH_MAX into batches of at most that many', async () => {
    const course = uniqueId('course');
    const before = await batchCount();
    const students = Array.from({ length: 150 }, (_, i) => uniqueId(`s${i}`));
    answers(await Promise.all(students.map((user_id) => ping({ user_id, course_id: course, slide_id: 'x' }))));
    expect(await batchCount()).toBe(before + 3); // 64 + 64 + 22
    expect(await events(course)).toBe(150);
  });

  it('answers a repeat within one batch as a duplicate, as if it had come a moment later', async () => {
    const course = uniqueId('course');
    const [user, other] = [uniqueId('user'), uniqueId('other')];
    const before = await batchCount();
    const results = answers(
      await Promise.all([
        ...Array.from({ length: 5 }, () => ping({ user_id: user, course_id: course, slide_id: 's' })),
        ping({ user_id: other, course_id: course, slide_id: 's' }),
        ping({ user_id: user, course_id: course, slide_id: 't' }),
      ]),
    );
    expect(await batchCount()).toBe(before + 1);
    expect(results.filter((r) => !r.duplicate)).toHaveLength(3);
    expect(results.slice(0, 5).filter((r) => !r.duplicate)).toHaveLength(1);
    expect(await events(course)).toBe(3);
  });

  it('judges repeats within a batch in arrival order, by their timestamps, like sequential calls', async () => {
    const db = createDb(t.appPool);
    const deps: DomainDeps = { db, pool: t.appPool, classroom: t.config.classroom, clock: t.clock };
    const course = uniqueId('course');
    const user = uniqueId('user');
    const at = (seconds: number): Ping => ({
      userId: user,
      slideId: 's',
      occurredAt: new Date(START.getTime() - 60_000 + seconds * 1000),
      now: START,
    });
    // 0 stored; 10 is a repeat of 0; 30 is 30 s after the stored 0; 45 a repeat of 30; 59 a repeat of 30 too.
    const results = await recordPings(deps, course, [at(0), at(10), at(30), at(45), at(59)]);
    expect(results.map((r) => r.duplicate)).toStrictEqual([false, true, false, true, true]);
    const { rows } = await t.pool.query<{ occurred_at: Date }>(
      'SELECT occurred_at FROM confusion_events WHERE course_id = $1 ORDER BY id',
      [course],
    );
    expect(rows.map((r) => r.occurred_at)).toStrictEqual([at(0).occurredAt, at(30).occurredAt]);
  });

  it('answers each ping only once it is committed: a query right after its 200 finds it', async () => {
    const course = uniqueId('course');
    const students = Array.from({ length: 30 }, (_, i) => uniqueId(`s${i}`));
    const found = await Promise.all(
      students.map(async (user_id) => {
        const response = await ping({ user_id, course_id: course, slide_id: 'slide-1' });
        expect(response.statusCode, response.body).toBe(200);
        const { rows } = await t.pool.query('SELECT 1 FROM confusion_events WHERE course_id = $1 AND user_id = $2', [
          course,
          user_id,
        ]);
        return rows.length;
      }),
    );
    expect(found).toStrictEqual(Array(30).fill(1));
  });

  it('answers every ping of a batch that fails with the error, and stores none of them', async () => {
    const course = uniqueId('course');
    // The database gives up in the middle of the batch (as when it shuts down): a 503 for every caller.
    await t.pool.query(`
      CREATE FUNCTION fail_batch() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'the database is shutting down' USING ERRCODE = '57P01';
      END $$`);
    await t.pool.query(`
      CREATE TRIGGER fail_batch BEFORE INSERT ON confusion_events
      FOR EACH ROW WHEN (NEW.course_id = '${course}') EXECUTE FUNCTION fail_batch()`);
    try {
      const before = await batchCount();
      const students = Array.from({ length: 10 }, (_, i) => uniqueId(`s${i}`));
      const responses = await Promise.all(
        students.map((user_id) => ping({ user_id, course_id: course, slide_id: 'slide-1' })),
      );
      expect(await batchCount()).toBe(before + 1);
      for (const r of responses) {
        expect(r.statusCode, r.body).toBe(503);
        expect(r.json()).toMatchObject({ error: 'unavailable' });
      }
      expect(await events(course)).toBe(0);
      expect(await count('SELECT count(*) AS n FROM confusion_latest WHERE course_id = $1', course)).toBe(0);
      expect(await count('SELECT count(*) AS n FROM enrollments WHERE course_id = $1', course)).toBe(0);
      expect(await count('SELECT count(*) AS n FROM courses WHERE id = $1', course)).toBe(0);
    } finally {
      await t.pool.query('DROP TRIGGER fail_batch ON confusion_events; DROP FUNCTION fail_batch()');
    }
  });

  it('lets a ping that breaks its batch fail alone: the others of the batch are retried and stored', async () => {
    const course = uniqueId('course');
    const bad = uniqueId('bad');
    await t.pool.query(`
      CREATE FUNCTION refuse_one() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'refused';
      END $$`);
    await t.pool.query(`
      CREATE TRIGGER refuse_one BEFORE INSERT ON confusion_events
      FOR EACH ROW WHEN (NEW.user_id = '${bad}') EXECUTE FUNCTION refuse_one()`);
    try {
      const good = Array.from({ length: 5 }, (_, i) => uniqueId(`s${i}`));
      const before = await batchCount();
      const responses = await Promise.all(
        [bad, ...good].map((user_id) => ping({ user_id, course_id: course, slide_id: 'slide-1' })),
      );
      expect(responses.map((r) => r.statusCode)).toStrictEqual([500, 200, 200, 200, 200, 200]);
      expect(await batchCount()).toBe(before + 1 + 6); // the batch, then each of its pings alone
      const { rows } = await t.pool.query<{ user_id: string }>(
        'SELECT user_id FROM confusion_events WHERE course_id = $1 ORDER BY user_id',
        [course],
      );
      expect(rows.map((r) => r.user_id)).toStrictEqual([...good].sort());
    } finally {
      await t.pool.query('DROP TRIGGER refuse_one ON confusion_events; DROP FUNCTION refuse_one()');
    }
  });
});
