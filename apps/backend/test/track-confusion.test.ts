/**
 * track_confusion (DESIGN.md, "Meanings"): what a ping stores, when a repeat is a duplicate, and the spike
 * arithmetic — confused students in the spike window against active students, at the edges of every setting.
 */
import type { HeatmapResult, TrackConfusionResult } from '@class-assist/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSlides, buildTestApp, type TestApp, uniqueId } from './helpers/app.js';

const START = new Date('2025-03-10T10:00:00.000Z');

interface EventRow {
  user_id: string;
  slide_id: string | null;
  occurred_at: Date;
}

async function ping(t: TestApp, body: Record<string, unknown>): Promise<TrackConfusionResult> {
  const response = await t.call('track_confusion', body);
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

async function events(t: TestApp, courseId: string): Promise<EventRow[]> {
  const { rows } = await t.pool.query<EventRow>(
    'SELECT user_id, slide_id, occurred_at FROM confusion_events WHERE course_id = $1 ORDER BY id',
    [courseId],
  );
  return rows;
}

/** Marks students active the way the app does for any function call: here, by fetching notes. */
async function activate(t: TestApp, courseId: string, userIds: string[]): Promise<void> {
  for (const user_id of userIds) {
    const response = await t.call('fetch_notes', { user_id, course_id: courseId });
    expect(response.statusCode, response.body).toBe(200);
  }
}

async function heatmap(t: TestApp, courseId: string): Promise<HeatmapResult> {
  const response = await t.call('get_confusion_heatmap', { course_id: courseId });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

type Ids<N extends number, A extends string[] = []> = A['length'] extends N ? A : Ids<N, [...A, string]>;

/** `n` fresh student ids, typed as a tuple so they can be destructured. */
const students = <N extends number>(n: N) => Array.from({ length: n }, (_, i) => uniqueId(`student${i + 1}`)) as Ids<N>;

function expectTimestampRefused(response: { statusCode: number; json(): unknown; body: string }) {
  expect(response.statusCode, response.body).toBe(400);
  const body = response.json() as { error: string; details: Array<{ path: string; message: string }> };
  expect(body.error).toBe('validation_failed');
  expect(body.details.map((d) => d.path)).toContain('timestamp');
}

describe('track_confusion', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(() => t.close());

  describe('what a ping stores', () => {
    it('stores the event at server time when no timestamp is given, and answers in the documented shape', async () => {
      t.clock.set(START);
      const course = uniqueId('course');
      const user = uniqueId('user');
      const result = await ping(t, { user_id: user, course_id: course, slide_id: 'slide-3' });
      // One student, confused and active: 100 %, but below the three students a spike needs.
      expect(result).toStrictEqual({
        success: true,
        threshold_exceeded: false,
        current_percentage: 100,
        confused_students: 1,
        active_students: 1,
        duplicate: false,
      });
      expect(await events(t, course)).toStrictEqual([{ user_id: user, slide_id: 'slide-3', occurred_at: START }]);
    });

    it('stores the given timestamp, whatever its offset', async () => {
      t.clock.set(START);
      const course = uniqueId('course');
      const [a, b, c] = students(3);
      await ping(t, { user_id: a, course_id: course, slide_id: 's', timestamp: '2025-03-10T09:59:15Z' });
      await ping(t, { user_id: b, course_id: course, slide_id: 's', timestamp: '2025-03-10T11:59:30.250+02:00' });
      await ping(t, { user_id: c, course_id: course, slide_id: 's', timestamp: '2025-03-10T04:30:00-05:30' });
      const stored = await events(t, course);
      expect(stored.map((e) => [e.user_id, e.occurred_at.toISOString()])).toStrictEqual([
        [a, '2025-03-10T09:59:15.000Z'],
        [b, '2025-03-10T09:59:30.250Z'],
        [c, '2025-03-10T10:00:00.000Z'],
      ]);
    });

    it('refuses a malformed timestamp with 400 naming timestamp, and stores nothing', async () => {
      t.clock.set(START);
      const course = uniqueId('course');
      for (const timestamp of [
        'yesterday',
        'now',
        '',
        '1741600800',
        '2025-03-10',
        '10:00:00Z',
        '2025-13-10T10:00:00Z',
        '2025-02-30T10:00:00Z',
        '2025-03-10T25:00:00Z',
        '2025-03-10T10:00:00+25:00',
        'Mon, 10 Mar 2025 10:00:00 GMT',
        '2025-03-10T10:00:00Z trailing',
      ]) {
        expectTimestampRefused(
          await t.call('track_confusion', { user_id: 'u', course_id: course, slide_id: 's', timestamp }),
        );
      }
      expectTimestampRefused(
        await t.call('track_confusion', { user_id: 'u', course_id: course, timestamp: 1741600800000 }),
      );
      expect(await events(t, course)).toStrictEqual([]);
    });

    it('refuses a leap second, which a JavaScript date cannot hold, with 400 rather than a 500', async () => {
      t.clock.set(START);
      const course = uniqueId('course');
      expectTimestampRefused(
        await t.call('track_confusion', { user_id: 'u', course_id: course, timestamp: '2016-12-31T23:59:60Z' }),
      );
      expect(await events(t, course)).toStrictEqual([]);
    });

    it('refuses a timestamp without a time zone', async () => {
      t.clock.set(START);
      const course = uniqueId('course');
      for (const timestamp of ['2025-03-10T09:59:00', '2025-03-10T09:59:00.000', '2025-03-10 09:59:00']) {
        expectTimestampRefused(await t.call('track_confusion', { user_id: 'u', course_id: course, timestamp }));
      }
      expect(await events(t, course)).toStrictEqual([]);
    });

    it('records a timestamp up to 5 minutes ahead (client clock skew) at server time, and refuses one further ahead', async () => {
      t.clock.set(START);
      const course = uniqueId('course');
      const [early, late, far] = students(3);
      const fiveMinutesAhead = new Date(START.getTime() + 5 * 60_000);
      await ping(t, { user_id: early, course_id: course, timestamp: fiveMinutesAhead.toISOString() });
      const justOver = new Date(fiveMinutesAhead.getTime() + 1).toISOString();
      expectTimestampRefused(
        await t.call('track_confusion', { user_id: late, course_id: course, timestamp: justOver }),
      );
      expectTimestampRefused(
        await t.call('track_confusion', { user_id: far, course_id: course, timestamp: '9999-12-31T23:59:59Z' }),
      );
      expect(await events(t, course)).toStrictEqual([{ user_id: early, slide_id: null, occurred_at: START }]);
    });

    it('creates the course, the user, the enrolment and the slide the first time it sees them', async () => {
      t.clock.set(START);
      const course = uniqueId('course');
      const [first, second] = students(2);
      const count = async (sql: string) => Number((await t.pool.query(sql, [course])).rows[0].n);
      expect(await count('SELECT count(*) AS n FROM courses WHERE id = $1')).toBe(0);

      await ping(t, { user_id: first, course_id: course, slide_id: 'intro' });
      t.clock.advance(10);
      await ping(t, { user_id: second, course_id: course, slide_id: 'recursion' });
      await ping(t, { user_id: first, course_id: course, slide_id: 'intro' }); // a duplicate: nothing new

      const courses = await t.pool.query('SELECT id, name FROM courses WHERE id = $1', [course]);
      expect(courses.rows).toStrictEqual([{ id: course, name: course }]);
      const users = await t.pool.query('SELECT id FROM users WHERE id = ANY($1) ORDER BY id', [[first, second]]);
      expect(users.rows.map((r) => r.id)).toStrictEqual([first, second].sort());
      const enrolments = await t.pool.query(
        'SELECT user_id, role, last_seen_at FROM enrollments WHERE course_id = $1 ORDER BY user_id',
        [course],
      );
      // Both were last seen 10 s in: the first student's repeat (a duplicate) still counts as activity.
      const tenSecondsIn = new Date(START.getTime() + 10_000);
      expect(enrolments.rows).toStrictEqual(
        [first, second].sort().map((user_id) => ({ user_id, role: 'student', last_seen_at: tenSecondsIn })),
      );
      const slides = await t.pool.query(
        'SELECT id, position, from_material FROM slides WHERE course_id = $1 ORDER BY position',
        [course],
      );
      expect(slides.rows).toStrictEqual([
        { id: 'intro', position: 1, from_material: false },
        { id: 'recursion', position: 2, from_material: false },
      ]);
    });

    it('records a ping without slide_id on the course’s current slide when set, else on no slide', async () => {
      t.clock.set(START);
      const course = uniqueId('course');
      const [before, after] = students(2);
      await ping(t, { user_id: before, course_id: course });
      await t.pool.query('UPDATE courses SET current_slide_id = $2 WHERE id = $1', [course, 'slide-7']);
      await ping(t, { user_id: after, course_id: course });
      // An explicit slide_id wins over the current slide.
      t.clock.advance(1);
      await ping(t, { user_id: after, course_id: course, slide_id: 'slide-2' });
      expect((await events(t, course)).map((e) => [e.user_id, e.slide_id])).toStrictEqual([
        [before, null],
        [after, 'slide-7'],
        [after, 'slide-2'],
      ]);
    });
  });

  it('records a ping without slide_id on the first slide of a course with slides but no current slide', async () => {
    t.clock.set(START);
    const course = uniqueId('course');
    await addSlides(t.pool, course, [
      { id: 'intro', title: 'Intro' },
      { id: 'next', title: 'Next' },
    ]);
    await ping(t, { user_id: uniqueId('user'), course_id: course });
    expect((await events(t, course)).map((e) => e.slide_id)).toStrictEqual(['intro']);
  });

  describe('duplicates', () => {
    it('answers a repeat on the same slide within 30 s as a duplicate and stores it once; 30 s later it counts', async () => {
      t.clock.set(START);
      const course = uniqueId('course');
      const user = uniqueId('user');
      const body = { user_id: user, course_id: course, slide_id: 'slide-1' };
      expect((await ping(t, body)).duplicate).toBe(false);
      t.clock.advance(1);
      const repeat = await ping(t, body);
      expect(repeat).toMatchObject({ duplicate: true, confused_students: 1, active_students: 1 });
      t.clock.advance(28); // 29 s after the first
      expect((await ping(t, body)).duplicate).toBe(true);
      expect(await events(t, course)).toHaveLength(1);
      // Exactly 30 s after the stored ping (the repeats did not move the window on).
      t.clock.advance(1);
      expect((await ping(t, body)).duplicate).toBe(false);
      expect((await events(t, course)).map((e) => e.occurred_at)).toStrictEqual([
        START,
        new Date(START.getTime() + 30_000),
      ]);
    });

    it('judges repeats by the timestamps given', async () => {
      t.clock.set(START);
      const course = uniqueId('course');
      const user = uniqueId('user');
      const at = (seconds: number) => new Date(START.getTime() - 60_000 + seconds * 1000).toISOString();
      expect((await ping(t, { user_id: user, course_id: course, slide_id: 's', timestamp: at(0) })).duplicate).toBe(
        false,
      );
      expect((await ping(t, { user_id: user, course_id: course, slide_id: 's', timestamp: at(29) })).duplicate).toBe(
        true,
      );
      expect((await ping(t, { user_id: user, course_id: course, slide_id: 's', timestamp: at(30) })).duplicate).toBe(
        false,
      );
      expect(await events(t, course)).toHaveLength(2);
    });

    it('stores a ping on another slide, by another student, or in another course', async () => {
      t.clock.set(START);
      const [course, otherCourse] = [uniqueId('course'), uniqueId('course')];
      const [user, other] = students(2);
      await ping(t, { user_id: user, course_id: course, slide_id: 'slide-1' });
      expect((await ping(t, { user_id: user, course_id: course, slide_id: 'slide-2' })).duplicate).toBe(false);
      expect((await ping(t, { user_id: other, course_id: course, slide_id: 'slide-1' })).duplicate).toBe(false);
      expect((await ping(t, { user_id: user, course_id: otherCourse, slide_id: 'slide-1' })).duplicate).toBe(false);
      // Without slide_id a ping lands on the slide being taught (here the first): a repeat of the slide-1 ping.
      expect((await ping(t, { user_id: user, course_id: course })).duplicate).toBe(true);
      expect((await events(t, course)).map((e) => [e.user_id, e.slide_id])).toStrictEqual([
        [user, 'slide-1'],
        [user, 'slide-2'],
        [other, 'slide-1'],
      ]);
      expect(await events(t, otherCourse)).toHaveLength(1);
      // In a course without slides, a ping on no slide is a slide of its own for repeats.
      const bare = uniqueId('course');
      expect((await ping(t, { user_id: user, course_id: bare })).duplicate).toBe(false);
      expect((await ping(t, { user_id: user, course_id: bare })).duplicate).toBe(true);
      expect((await events(t, bare)).map((e) => [e.user_id, e.slide_id])).toStrictEqual([[user, null]]);
    });

    it('stores exactly one of ten identical pings sent at once', async () => {
      t.clock.set(START);
      const course = uniqueId('course');
      const body = { user_id: uniqueId('user'), course_id: course, slide_id: 'slide-1' };
      const responses = await Promise.all(Array.from({ length: 10 }, () => t.call('track_confusion', body)));
      expect(responses.map((r) => r.statusCode)).toStrictEqual(Array(10).fill(200));
      const duplicates = responses.map((r) => r.json().duplicate as boolean);
      expect(duplicates.filter((d) => !d)).toHaveLength(1);
      expect(await events(t, course)).toHaveLength(1);
    });

    it('stores all of ten different students’ first pings at once in a new course', async () => {
      t.clock.set(START);
      const course = uniqueId('course');
      const responses = await Promise.all(
        students(10).map((user_id) => t.call('track_confusion', { user_id, course_id: course, slide_id: 'new' })),
      );
      expect(responses.map((r) => r.statusCode)).toStrictEqual(Array(10).fill(200));
      expect(responses.every((r) => r.json().duplicate === false)).toBe(true);
      expect(await events(t, course)).toHaveLength(10);
      const slides = await t.pool.query('SELECT id FROM slides WHERE course_id = $1', [course]);
      expect(slides.rows).toStrictEqual([{ id: 'new' }]);
    });
  });

  describe('spike (threshold 25 %, window 120 s, at least 3 students, active window 600 s)', () => {
    it('counts 0 % and no spike when nobody is active or confused', async () => {
      t.clock.set(START);
      const course = uniqueId('course');
      await addSlides(t.pool, course, [
        { id: 'slide-1', title: 'One' },
        { id: 'slide-2', title: 'Two' },
      ]);
      const map = await heatmap(t, course);
      expect(map.active_students).toBe(0);
      expect(map.chartData.map((p) => [p.slide_id, p.confused, p.confused_students])).toStrictEqual([
        ['slide-1', 0, 0],
        ['slide-2', 0, 0],
      ]);
      expect(map.spike.active).toBe(false);
    });

    it('counts a ping dated before the spike window as no confusion: 0 % of 1 active', async () => {
      t.clock.set(START);
      const course = uniqueId('course');
      const timestamp = new Date(START.getTime() - 121_000).toISOString();
      const result = await ping(t, { user_id: uniqueId('user'), course_id: course, slide_id: 's', timestamp });
      expect(result).toStrictEqual({
        success: true,
        threshold_exceeded: false,
        current_percentage: 0,
        confused_students: 0,
        active_students: 1,
        duplicate: false,
      });
      expect(await events(t, course)).toHaveLength(1);
    });

    it('is no spike at exactly 25 %: 3 confused of 12 active', async () => {
      t.clock.set(START);
      const course = uniqueId('course');
      const [confused, idle] = [students(3), students(9)];
      await activate(t, course, idle);
      const results = [];
      for (const user_id of confused) results.push(await ping(t, { user_id, course_id: course, slide_id: 'slide-1' }));
      // Percentages to one decimal: 1/10, 2/11, 3/12.
      expect(results.map((r) => [r.confused_students, r.active_students, r.current_percentage])).toStrictEqual([
        [1, 10, 10],
        [2, 11, 18.2],
        [3, 12, 25],
      ]);
      expect(results.map((r) => r.threshold_exceeded)).toStrictEqual([false, false, false]);
      expect((await heatmap(t, course)).spike.active).toBe(false);
    });

    it('is a spike just above 25 % with at least 3 students: 3 of 11, 4 of 12', async () => {
      t.clock.set(START);
      const course = uniqueId('course');
      const [confused, idle] = [students(4), students(8)];
      await activate(t, course, idle);
      const results = [];
      for (const user_id of confused) results.push(await ping(t, { user_id, course_id: course, slide_id: 'slide-1' }));
      expect(results.map((r) => [r.confused_students, r.active_students, r.current_percentage])).toStrictEqual([
        [1, 9, 11.1],
        [2, 10, 20],
        [3, 11, 27.3],
        [4, 12, 33.3],
      ]);
      expect(results.map((r) => r.threshold_exceeded)).toStrictEqual([false, false, true, true]);
      expect((await heatmap(t, course)).spike).toStrictEqual({
        active: true,
        message: '4 students confused in last 2 minutes — consider pausing',
      });
    });

    it('is no spike below 3 confused students, even at 100 %', async () => {
      t.clock.set(START);
      const course = uniqueId('course');
      const [a, b] = students(2);
      await ping(t, { user_id: a, course_id: course, slide_id: 's' });
      const result = await ping(t, { user_id: b, course_id: course, slide_id: 's' });
      expect(result).toMatchObject({
        threshold_exceeded: false,
        current_percentage: 100,
        confused_students: 2,
        active_students: 2,
      });
      expect((await heatmap(t, course)).spike.active).toBe(false);
    });

    it('counts confused students, not pings: one student on three slides is one', async () => {
      t.clock.set(START);
      const course = uniqueId('course');
      const [user, other] = students(2);
      await activate(t, course, [other]);
      await ping(t, { user_id: user, course_id: course, slide_id: 'slide-1' });
      await ping(t, { user_id: user, course_id: course, slide_id: 'slide-2' });
      const result = await ping(t, { user_id: user, course_id: course, slide_id: 'slide-3' });
      expect(result).toMatchObject({ confused_students: 1, active_students: 2, current_percentage: 50 });
    });

    it('forgets pings older than the spike window', async () => {
      t.clock.set(START);
      const [inside, outside] = [uniqueId('course'), uniqueId('course')];
      for (const course of [inside, outside]) {
        for (const user_id of students(3)) await ping(t, { user_id, course_id: course, slide_id: 's' });
      }
      t.clock.advance(119);
      const stillCounted = await ping(t, { user_id: uniqueId('late'), course_id: inside, slide_id: 's' });
      expect(stillCounted).toMatchObject({ threshold_exceeded: true, confused_students: 4, active_students: 4 });
      t.clock.set(new Date(START.getTime() + 121_000));
      const forgotten = await ping(t, { user_id: uniqueId('late'), course_id: outside, slide_id: 's' });
      // The three earlier students are still active (within 600 s), no longer confused.
      expect(forgotten).toStrictEqual({
        success: true,
        threshold_exceeded: false,
        current_percentage: 25,
        confused_students: 1,
        active_students: 4,
        duplicate: false,
      });
    });

    it('counts students active within 600 s, and not those seen earlier', async () => {
      t.clock.set(START);
      const [recent, stale] = [uniqueId('course'), uniqueId('course')];
      await activate(t, recent, students(5));
      await activate(t, stale, students(5));
      t.clock.advance(599);
      const withRecent = await ping(t, { user_id: uniqueId('user'), course_id: recent, slide_id: 's' });
      expect(withRecent).toMatchObject({ confused_students: 1, active_students: 6, current_percentage: 16.7 });
      t.clock.set(new Date(START.getTime() + 601_000));
      const withoutStale = await ping(t, { user_id: uniqueId('user'), course_id: stale, slide_id: 's' });
      expect(withoutStale).toMatchObject({ confused_students: 1, active_students: 1, current_percentage: 100 });
    });
  });
});

describe('track_confusion with other settings', () => {
  it('uses the configured spike window, threshold and minimum, and says the window in words', async () => {
    const t = await buildTestApp({
      env: { SPIKE_WINDOW_SECONDS: '90', SPIKE_THRESHOLD_PERCENT: '50', SPIKE_MIN_STUDENTS: '2' },
    });
    try {
      t.clock.set(START);
      const course = uniqueId('course');
      const [a, b, c, d] = students(4);
      await activate(t, course, [c, d]);
      await ping(t, { user_id: a, course_id: course, slide_id: 's' });
      // 2 of 4 is exactly 50 %: not above the threshold.
      expect(await ping(t, { user_id: b, course_id: course, slide_id: 's' })).toMatchObject({
        threshold_exceeded: false,
        current_percentage: 50,
        confused_students: 2,
        active_students: 4,
      });
      t.clock.advance(89);
      // 3 of 4 within the 90 s window.
      expect(await ping(t, { user_id: c, course_id: course, slide_id: 's' })).toMatchObject({
        threshold_exceeded: true,
        current_percentage: 75,
        confused_students: 3,
      });
      expect((await heatmap(t, course)).spike).toStrictEqual({
        active: true,
        message: '3 students confused in last 90 seconds — consider pausing',
      });
      // 2 s later the first two pings are 91 s old and forgotten: c and d confused of 4 is 50 % again.
      t.clock.advance(2);
      expect(await ping(t, { user_id: d, course_id: course, slide_id: 'other' })).toMatchObject({
        threshold_exceeded: false,
        current_percentage: 50,
        confused_students: 2,
        active_students: 4,
      });
    } finally {
      await t.close();
    }
  });

  it('never counts fewer active students than confused ones', async () => {
    // Activity is forgotten after 60 s, confusion after 120 s: confused students can outnumber the active ones.
    const t = await buildTestApp({ env: { ACTIVE_WINDOW_SECONDS: '60' } });
    try {
      t.clock.set(START);
      const course = uniqueId('course');
      const [a, b, c, d] = students(4);
      for (const user_id of [a, b, c]) await ping(t, { user_id, course_id: course, slide_id: 's' });
      t.clock.advance(90);
      const result = await ping(t, { user_id: d, course_id: course, slide_id: 's' });
      expect(result).toMatchObject({
        threshold_exceeded: true,
        current_percentage: 100,
        confused_students: 4,
        active_students: 4,
      });
      const map = await heatmap(t, course);
      expect(map.active_students).toBeGreaterThanOrEqual(4);
      expect(map.chartData.every((point) => point.confused <= 100)).toBe(true);
    } finally {
      await t.close();
    }
  });

  it('uses the configured dedupe window', async () => {
    const t = await buildTestApp({ env: { CONFUSION_DEDUPE_SECONDS: '5' } });
    try {
      t.clock.set(START);
      const course = uniqueId('course');
      const body = { user_id: uniqueId('user'), course_id: course, slide_id: 's' };
      expect((await ping(t, body)).duplicate).toBe(false);
      t.clock.advance(4);
      expect((await ping(t, body)).duplicate).toBe(true);
      t.clock.advance(1);
      expect((await ping(t, body)).duplicate).toBe(false);
      expect(await events(t, course)).toHaveLength(2);
    } finally {
      await t.close();
    }
  });
});
