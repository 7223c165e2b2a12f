/**
 * export_confusion_data: every event of the course and no other, streamed as CSV or JSON in batches, safe to open in
 * a spreadsheet, and without keeping a database connection once the download ends or is abandoned.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { EXPORT_COLUMNS } from '@class-assist/contracts';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, TEST_SECRET, type TestApp, uniqueId } from './helpers/app.js';

const NOW = new Date('2026-11-25T15:00:00.000Z');
/** More than one 2,000-row batch of the exporter. */
const N = 2_500;
const OTHER_N = 40;

let t: TestApp;
const course = uniqueId('export');
const otherCourse = uniqueId('other');

interface EventRow {
  id: string;
  course_id: string;
  slide_id: string | null;
  user_id: string;
  occurred_at: Date;
}

/** Inserts `count` events into `courseId` in one statement: ten users, some events without a slide. */
async function insertEvents(courseId: string, count: number, userPrefix: string): Promise<void> {
  await t.pool.query('INSERT INTO courses (id, name) VALUES ($1, $1) ON CONFLICT DO NOTHING', [courseId]);
  await t.pool.query(`INSERT INTO users (id) SELECT $1 || g FROM generate_series(0, 9) AS g ON CONFLICT DO NOTHING`, [
    userPrefix,
  ]);
  await t.pool.query(
    `INSERT INTO confusion_events (course_id, user_id, slide_id, occurred_at)
     SELECT $1, $2 || (g % 10), CASE WHEN g % 7 = 0 THEN NULL ELSE 'slide-' || (g % 13) END,
            $3::timestamptz - g * interval '1 second'
     FROM generate_series(1, $4::int) AS g`,
    [courseId, userPrefix, NOW, count],
  );
}

async function eventsOf(courseId: string): Promise<EventRow[]> {
  const { rows } = await t.pool.query<EventRow>(
    'SELECT id::text AS id, course_id, slide_id, user_id, occurred_at FROM confusion_events WHERE course_id = $1 ORDER BY confusion_events.id',
    [courseId],
  );
  return rows;
}

async function expectNoConnectionHeld(): Promise<void> {
  expect(t.appPool.waitingCount).toBe(0);
  expect(t.appPool.idleCount).toBe(t.appPool.totalCount);
  const { rows } = await t.pool.query<{ open: number }>(
    `SELECT count(*)::int AS open FROM pg_stat_activity
     WHERE datname = current_database() AND state LIKE 'idle in transaction%'`,
  );
  expect(rows[0]?.open).toBe(0);
}

beforeAll(async () => {
  t = await buildTestApp();
  t.clock.set(NOW);
  await insertEvents(course, N, 'exp-u');
  await insertEvents(otherCourse, OTHER_N, 'oth-u');
});
afterAll(() => t.close());

describe('CSV', () => {
  it('streams a header row and then every event of the course, and only of that course', async () => {
    const response = await t.call('export_confusion_data', { course_id: course, format: 'csv' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/csv/);
    expect(response.headers['content-disposition']).toMatch(/^attachment; filename=".+\.csv"$/);

    const records: string[][] = parse(response.body);
    expect(records[0]).toStrictEqual(['event_id', 'course_id', 'slide_id', 'user_id', 'timestamp']);
    const rows = records.slice(1);
    expect(rows).toHaveLength(N);
    const events = await eventsOf(course);
    expect(events).toHaveLength(N);
    expect(rows).toStrictEqual(
      events.map((e) => [e.id, e.course_id, e.slide_id ?? '', e.user_id, e.occurred_at.toISOString()]),
    );
    expect(new Set(rows.map((row) => row[0])).size).toBe(N);
    expect(rows.every((row) => row[1] === course)).toBe(true);
    const otherIds = new Set((await eventsOf(otherCourse)).map((e) => e.id));
    expect(otherIds.size).toBe(OTHER_N);
    expect(rows.filter((row) => otherIds.has(row[0] ?? ''))).toStrictEqual([]);

    await expectNoConnectionHeld();
  });

  it('is the default format', async () => {
    const response = await t.call('export_confusion_data', { course_id: otherCourse });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/csv/);
    const records: string[][] = parse(response.body);
    expect(records[0]).toStrictEqual([...EXPORT_COLUMNS]);
    expect(records.slice(1).map((row) => row[0])).toStrictEqual((await eventsOf(otherCourse)).map((e) => e.id));
  });

  it('has only the header row for a course without events', async () => {
    const response = await t.call('export_confusion_data', { course_id: uniqueId('empty') });
    expect(response.statusCode).toBe(200);
    expect(parse(response.body)).toStrictEqual([[...EXPORT_COLUMNS]]);
    await expectNoConnectionHeld();
  });
});

describe('JSON', () => {
  it('is an array of every event of the course with exactly the export columns', async () => {
    const response = await t.call('export_confusion_data', { course_id: course, format: 'json' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const body: Array<Record<string, unknown>> = response.json();
    expect(Array.isArray(body)).toBe(true);
    expect(body).toHaveLength(N);
    for (const item of body) expect(Object.keys(item)).toStrictEqual([...EXPORT_COLUMNS]);
    const events = await eventsOf(course);
    expect(body.map((item) => ({ ...item, event_id: String(item.event_id) }))).toStrictEqual(
      events.map((e) => ({
        event_id: e.id,
        course_id: e.course_id,
        slide_id: e.slide_id,
        user_id: e.user_id,
        timestamp: e.occurred_at.toISOString(),
      })),
    );
    expect(body.some((item) => item.slide_id === null)).toBe(true);
    await expectNoConnectionHeld();
  });

  it('is an empty array for a course without events', async () => {
    const response = await t.call('export_confusion_data', { course_id: uniqueId('empty'), format: 'json' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toStrictEqual([]);
  });

  it('refuses another format with a 400 naming format', async () => {
    const response = await t.call('export_confusion_data', { course_id: course, format: 'xlsx' });
    expect(response.statusCode).toBe(400);
    expect(response.json().details).toContainEqual(expect.objectContaining({ path: 'format' }));
  });
});

describe('formula injection', () => {
  const DANGEROUS = ['=', '+', '-', '@', '\t', '\r'];
  const injected = uniqueId('=course');
  const users = ['=cmd|calc', '+SUM(1,2)', '-2+3', '@SUM(A1)', '\tTAB', '\rCR', 'alice'];
  const slides = ['=HYPERLINK("http://x")', '+1', '-1', '@A1', '\tslide', '\rslide', 'slide-7'];

  beforeAll(async () => {
    await t.pool.query('INSERT INTO courses (id, name) VALUES ($1, $1)', [injected]);
    await t.pool.query('INSERT INTO users (id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING', [users]);
    await t.pool.query(
      `INSERT INTO confusion_events (course_id, user_id, slide_id, occurred_at)
       SELECT $1, u, s, $4 FROM unnest($2::text[], $3::text[]) AS x(u, s)`,
      [injected, users, slides, NOW],
    );
  });

  it('no CSV cell starts with = + - @ tab or carriage return; normal values are unchanged', async () => {
    const response = await t.call('export_confusion_data', { course_id: injected, format: 'csv' });
    expect(response.statusCode).toBe(200);
    const records: string[][] = parse(response.body);
    const rows = records.slice(1);
    expect(rows).toHaveLength(users.length);
    for (const cell of records.flat()) {
      for (const start of DANGEROUS) expect(cell.startsWith(start), JSON.stringify(cell)).toBe(false);
    }
    // Each cell still says what was stored: only a neutralising prefix is added, and only where needed.
    const neutral = (value: string) => (DANGEROUS.some((c) => value.startsWith(c)) ? `'${value}` : value);
    expect(rows.map((row) => [row[1], row[2], row[3]])).toStrictEqual(
      users.map((user, i) => [neutral(injected), neutral(slides[i] ?? ''), neutral(user)]),
    );
    expect(rows.at(-1)?.slice(1, 4)).toStrictEqual([`'${injected}`, 'slide-7', 'alice']);
  });

  it('JSON keeps the stored values as they are', async () => {
    const response = await t.call('export_confusion_data', { course_id: injected, format: 'json' });
    const body: Array<{ course_id: string; user_id: string; slide_id: string }> = response.json();
    expect(body.map((e) => [e.course_id, e.slide_id, e.user_id])).toStrictEqual(
      users.map((user, i) => [injected, slides[i], user]),
    );
  });
});

describe('a download abandoned half way', () => {
  it('gives its database connection back', async () => {
    const big = uniqueId('big');
    await insertEvents(big, 60_000, 'big-u');
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as AddressInfo;

    const received = await new Promise<number>((resolve, reject) => {
      const request = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/api/agentkit/export_confusion_data',
          headers: { authorization: `Bearer ${TEST_SECRET}`, 'content-type': 'application/json' },
        },
        (response) => {
          if (response.statusCode !== 200) reject(new Error(`status ${response.statusCode}`));
          response.once('data', (chunk: Buffer) => {
            request.destroy();
            resolve(chunk.length);
          });
        },
      );
      request.on('error', (err) => {
        if (!request.destroyed) reject(err);
      });
      request.end(JSON.stringify({ course_id: big }));
    });
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(60_000 * 40); // far less than the whole export arrived

    await expect.poll(() => t.appPool.idleCount === t.appPool.totalCount, { timeout: 5_000 }).toBe(true);
    await expectNoConnectionHeld();
    // And the server carries on.
    const after = await t.call('export_confusion_data', { course_id: otherCourse, format: 'json' });
    expect(after.json()).toHaveLength(OTHER_N);
  });
});
