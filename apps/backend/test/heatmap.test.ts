/**
 * get_confusion_heatmap against a fixed clock: per time range, slide order, the percentage of students active in the
 * range who were confused on each slide in it, paging, time zones and the spike.
 */
import type { HeatmapPoint, HeatmapResult, TimeRange } from '@class-assist/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSlides, buildTestApp, type TestApp, uniqueId } from './helpers/app.js';

/** A Wednesday. The course time zone defaults to UTC. */
const NOW = new Date('2026-11-25T15:00:00.000Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const ago = (ms: number) => new Date(NOW.getTime() - ms);

/** The starts of the ranges at NOW in UTC, worked out by hand. */
const SINCE: Record<TimeRange, string> = {
  last_hour: '2026-11-25T14:00:00.000Z',
  today: '2026-11-25T00:00:00.000Z',
  this_week: '2026-11-23T00:00:00.000Z', // Monday of the ISO week
};

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
  t.clock.set(NOW);
});
afterAll(() => t.close());

/** A ping made at `when`, both as the event's timestamp and as the time of the call (so activity matches it). */
async function ping(courseId: string, userId: string, slideId: string, when: Date, duplicate = false) {
  t.clock.set(when);
  try {
    const response = await t.call('track_confusion', {
      user_id: userId,
      course_id: courseId,
      slide_id: slideId,
      timestamp: when.toISOString(),
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().duplicate).toBe(duplicate);
  } finally {
    t.clock.set(NOW);
  }
}

/** Activity without confusion: reading the notes at `when`. */
async function readNotes(courseId: string, userId: string, when: Date) {
  t.clock.set(when);
  try {
    const response = await t.call('fetch_notes', { user_id: userId, course_id: courseId });
    expect(response.statusCode, response.body).toBe(200);
  } finally {
    t.clock.set(NOW);
  }
}

async function heatmap(body: Record<string, unknown>): Promise<HeatmapResult> {
  const response = await t.call('get_confusion_heatmap', body);
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

describe('the per-slide heatmap over time ranges', () => {
  const course = uniqueId('heat');
  const MATERIAL = [
    { id: 'intro', title: 'Introduction' },
    { id: 'loops', title: 'Loops' },
    { id: 'recursion', title: 'Recursion' },
  ];
  /** Every confusion ping of the scenario, in the order they are made (which decides first-seen slide order). */
  const PINGS = [
    { user: 'u1', slide: 'intro', at: ago(30 * MINUTE) },
    { user: 'u1', slide: 'intro', at: ago(20 * MINUTE) }, // the same student again: counts once
    { user: 'u1', slide: 'loops', at: ago(3 * HOUR) },
    { user: 'u2', slide: 'intro', at: ago(3 * HOUR) },
    { user: 'u3', slide: 'loops', at: new Date('2026-11-23T10:00:00.000Z') }, // Monday: this week only
    { user: 'u4', slide: 'loops', at: ago(9 * DAY) }, // outside every range
    { user: 'u5', slide: 'zeta-extra', at: ago(30 * MINUTE) }, // a slide first seen in a ping
    { user: 'u6', slide: 'alpha-extra', at: new Date('2026-11-23T09:00:00.000Z') }, // seen second: after zeta
  ];
  const READS = [{ user: 'u7', at: ago(10 * MINUTE) }];
  const ORDER = [
    { slide_id: 'intro', label: 'Slide 1', title: 'Introduction' },
    { slide_id: 'loops', label: 'Slide 2', title: 'Loops' },
    { slide_id: 'recursion', label: 'Slide 3', title: 'Recursion' },
    { slide_id: 'zeta-extra', label: 'zeta-extra', title: '' },
    { slide_id: 'alpha-extra', label: 'alpha-extra', title: '' },
  ];

  /** What the heatmap should say, worked out from the scenario alone. */
  function expected(range: TimeRange) {
    const since = new Date(SINCE[range]).getTime();
    const inRange = (at: Date) => at.getTime() >= since && at.getTime() <= NOW.getTime();
    const lastSeen = new Map<string, number>();
    for (const { user, at } of [...PINGS, ...READS]) {
      lastSeen.set(user, Math.max(lastSeen.get(user) ?? 0, at.getTime()));
    }
    const active = [...lastSeen.values()].filter((at) => inRange(new Date(at))).length;
    const confused = new Set(PINGS.filter((p) => inRange(p.at)).map((p) => p.user));
    const denominator = Math.max(active, confused.size);
    return {
      active: denominator,
      slides: ORDER.map(({ slide_id }) => {
        const students = new Set(PINGS.filter((p) => p.slide === slide_id && inRange(p.at)).map((p) => p.user)).size;
        return { slide_id, students, percent: denominator === 0 ? 0 : (100 * students) / denominator };
      }),
    };
  }

  beforeAll(async () => {
    await addSlides(t.pool, course, MATERIAL);
    for (const p of PINGS) await ping(course, p.user, p.slide, p.at);
    // A true repeat within the dedupe window is stored once.
    await ping(course, 'u1', 'intro', new Date(ago(20 * MINUTE).getTime() + 10_000), true);
    for (const r of READS) await readNotes(course, r.user, r.at);
  });

  it.each(['last_hour', 'today', 'this_week'] as const)(
    '%s: slide order, percentages, counts and since',
    async (range) => {
      const result = await heatmap({ course_id: course, time_range: range });
      const want = expected(range);
      expect(result.course_id).toBe(course);
      expect(result.time_range).toBe(range);
      expect(result.since).toBe(SINCE[range]);
      expect(result.active_students).toBe(want.active);
      expect(result.next_cursor).toBeNull();
      expect(result.chartData.map(({ slide_id, label, title }) => ({ slide_id, label, title }))).toStrictEqual(ORDER);
      for (const [index, point] of result.chartData.entries()) {
        const slide = want.slides[index];
        if (!slide) throw new Error(`unexpected point ${point.slide_id}`);
        expect(Object.keys(point).sort()).toStrictEqual([
          'confused',
          'confused_students',
          'label',
          'slide_id',
          'title',
        ]);
        expect(point.confused_students, `${range} ${point.slide_id}`).toBe(slide.students);
        // A percentage with one decimal.
        expect(point.confused, `${range} ${point.slide_id}`).toBeCloseTo(slide.percent, 1);
        expect(Math.round(point.confused * 10)).toBe(point.confused * 10);
      }
    },
  );

  it('gives the figures worked out by hand', async () => {
    const figures = async (range: TimeRange) => {
      const result = await heatmap({ course_id: course, time_range: range });
      return {
        active: result.active_students,
        confused: Object.fromEntries(result.chartData.map((p) => [p.slide_id, p.confused])),
      };
    };
    // Last hour: u1, u5 and u7 active; u1 on intro (twice), u5 on zeta-extra.
    expect(await figures('last_hour')).toStrictEqual({
      active: 3,
      confused: { intro: 33.3, loops: 0, recursion: 0, 'zeta-extra': 33.3, 'alpha-extra': 0 },
    });
    // Today: u1, u2, u5, u7; intro by u1 and u2, loops by u1 three hours ago.
    expect(await figures('today')).toStrictEqual({
      active: 4,
      confused: { intro: 50, loops: 25, recursion: 0, 'zeta-extra': 25, 'alpha-extra': 0 },
    });
    // This week: everyone but u4; loops by u1 and u3 (u4's ping was nine days ago).
    expect(await figures('this_week')).toStrictEqual({
      active: 6,
      confused: { intro: 33.3, loops: 33.3, recursion: 0, 'zeta-extra': 16.7, 'alpha-extra': 16.7 },
    });
  });

  it('defaults to today', async () => {
    const byDefault = await heatmap({ course_id: course });
    expect(byDefault.time_range).toBe('today');
    expect(byDefault).toStrictEqual(await heatmap({ course_id: course, time_range: 'today' }));
  });

  it('includes the spike verdict (none here: nobody was confused in the last two minutes)', async () => {
    const result = await heatmap({ course_id: course });
    expect(result.spike).toStrictEqual({ active: false, message: '' });
  });

  it.each(['yesterday', 'Today', 'LAST_HOUR', '', 'this_month', 7, null])(
    'refuses time_range %j with a 400 naming time_range',
    async (timeRange) => {
      const response = await t.call('get_confusion_heatmap', { course_id: course, time_range: timeRange });
      expect(response.statusCode).toBe(400);
      const body = response.json();
      expect(body.error).toBe('validation_failed');
      expect(body.message).toContain('time_range');
      expect(body.details).toContainEqual(expect.objectContaining({ path: 'time_range' }));
    },
  );
});

describe('slide order', () => {
  it('puts imported material first even when a ping saw another slide before the import', async () => {
    const course = uniqueId('late-import');
    await ping(course, 'early', 'live-1', ago(5 * MINUTE));
    await addSlides(t.pool, course, [
      { id: 'b-first', title: 'First' },
      { id: 'a-second', title: 'Second' },
    ]);
    await ping(course, 'early', 'live-2', ago(4 * MINUTE));
    const result = await heatmap({ course_id: course });
    expect(result.chartData.map((p) => [p.label, p.slide_id])).toStrictEqual([
      ['Slide 1', 'b-first'],
      ['Slide 2', 'a-second'],
      ['live-1', 'live-1'],
      ['live-2', 'live-2'],
    ]);
  });
});

describe('the spike in the heatmap', () => {
  it('reports a spike while it lasts and names the number of students', async () => {
    const course = uniqueId('spike');
    await readNotes(course, 'listener', NOW);
    for (const user of ['s1', 's2', 's3']) await ping(course, user, 'slide-x', ago(30_000));
    // 3 of 4 active students confused in the last two minutes: 75 % > 25 % and at least 3 students.
    const during = await heatmap({ course_id: course, time_range: 'last_hour' });
    expect(during.spike).toStrictEqual({
      active: true,
      message: '3 students confused in last 2 minutes — consider pausing',
    });
    expect(during.chartData).toStrictEqual([
      { label: 'slide-x', slide_id: 'slide-x', title: '', confused: 75, confused_students: 3 },
    ]);

    t.clock.set(new Date(NOW.getTime() + 91_000)); // the pings are now 121 s old
    try {
      const after = await heatmap({ course_id: course, time_range: 'last_hour' });
      expect(after.spike).toStrictEqual({ active: false, message: '' });
      expect(after.chartData[0]?.confused_students).toBe(3);
    } finally {
      t.clock.set(NOW);
    }
  });
});

describe('the course time zone', () => {
  it('decides where "today" and "this week" start', async () => {
    const course = uniqueId('tz');
    await ping(course, 'early', 'slide-tz', new Date('2026-11-25T03:00:00.000Z')); // 22:00 on the 24th in New York
    await ping(course, 'late', 'slide-tz', new Date('2026-11-25T06:00:00.000Z')); // 01:00 on the 25th in New York
    await readNotes(course, 'reader', new Date('2026-11-25T10:00:00.000Z'));

    const utc = await heatmap({ course_id: course, time_range: 'today' });
    expect(utc.since).toBe('2026-11-25T00:00:00.000Z');
    expect(utc.active_students).toBe(3);
    expect(utc.chartData[0]).toMatchObject({ slide_id: 'slide-tz', confused_students: 2, confused: 66.7 });

    await t.pool.query(`UPDATE courses SET timezone = 'America/New_York' WHERE id = $1`, [course]);
    // New York is UTC-5 in late November: local midnight is 05:00 UTC.
    const ny = await heatmap({ course_id: course, time_range: 'today' });
    expect(ny.since).toBe('2026-11-25T05:00:00.000Z');
    expect(ny.active_students).toBe(2);
    expect(ny.chartData[0]).toMatchObject({ slide_id: 'slide-tz', confused_students: 1, confused: 50 });

    const week = await heatmap({ course_id: course, time_range: 'this_week' });
    expect(week.since).toBe('2026-11-23T05:00:00.000Z');
    expect(week.chartData[0]).toMatchObject({ confused_students: 2 });

    // At 03:30 UTC it is still the 24th in New York.
    t.clock.set('2026-11-25T03:30:00.000Z');
    try {
      expect((await heatmap({ course_id: course, time_range: 'today' })).since).toBe('2026-11-24T05:00:00.000Z');
      // last_hour does not depend on the time zone.
      expect((await heatmap({ course_id: course, time_range: 'last_hour' })).since).toBe('2026-11-25T02:30:00.000Z');
    } finally {
      t.clock.set(NOW);
    }
  });
});

describe('paging', () => {
  const course = uniqueId('pages');
  const SLIDES = 130;
  const labels = (points: HeatmapPoint[]) => points.map((p) => p.label);
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `Slide ${from + i}`);

  beforeAll(async () => {
    await addSlides(
      t.pool,
      course,
      Array.from({ length: SLIDES }, (_, i) => ({ id: `s${i + 1}`, title: `Title ${i + 1}` })),
    );
  });

  it('gives 100 slides, then the remaining 30 with next_cursor, then null', async () => {
    const first = await heatmap({ course_id: course });
    expect(labels(first.chartData)).toStrictEqual(range(1, 100));
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = await heatmap({ course_id: course, cursor: first.next_cursor });
    expect(labels(second.chartData)).toStrictEqual(range(101, 130));
    expect(second.next_cursor).toBeNull();
  });

  it('honours limit', async () => {
    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null | undefined;
    do {
      const page: HeatmapResult = await heatmap({ course_id: course, limit: 50, ...(cursor ? { cursor } : {}) });
      sizes.push(page.chartData.length);
      seen.push(...labels(page.chartData));
      cursor = page.next_cursor;
    } while (cursor);
    expect(sizes).toStrictEqual([50, 50, 30]);
    expect(seen).toStrictEqual(range(1, 130));

    const one = await heatmap({ course_id: course, limit: 1 });
    expect(labels(one.chartData)).toStrictEqual(['Slide 1']);
    const all = await heatmap({ course_id: course, limit: 500 });
    expect(all.chartData).toHaveLength(SLIDES);
    expect(all.next_cursor).toBeNull();
  });

  it.each([0, 501, 2.5, '10', -1])('refuses limit %j', async (limit) => {
    const response = await t.call('get_confusion_heatmap', { course_id: course, limit });
    expect(response.statusCode).toBe(400);
    expect(response.json().details).toContainEqual(expect.objectContaining({ path: 'limit' }));
  });

  it.each([
    ['garbage', 'garbage'],
    ['not base64 JSON', '!!!!'],
    ['a negative offset', Buffer.from(JSON.stringify({ offset: -5 })).toString('base64url')],
    ['a fractional offset', Buffer.from(JSON.stringify({ offset: 1.5 })).toString('base64url')],
    ['JSON null', Buffer.from('null').toString('base64url')],
    ['too long', 'x'.repeat(201)],
    ['not a string', 12],
  ])('refuses a cursor that is %s with a 400 naming cursor', async (_what, cursor) => {
    const response = await t.call('get_confusion_heatmap', { course_id: course, cursor });
    expect(response.statusCode, response.body).toBe(400);
    const body = response.json();
    expect(body.error).toBe('validation_failed');
    expect(body.message).toContain('cursor');
    expect(body.details).toContainEqual(expect.objectContaining({ path: 'cursor' }));
  });
});

describe('an unknown course', () => {
  it('answers 200 with an empty heatmap and creates nothing', async () => {
    const course = uniqueId('nowhere');
    const result = await heatmap({ course_id: course, time_range: 'this_week' });
    expect(result).toStrictEqual({
      course_id: course,
      time_range: 'this_week',
      since: SINCE.this_week,
      active_students: 0,
      chartData: [],
      spike: { active: false, message: '' },
      next_cursor: null,
    });
    const { rowCount } = await t.pool.query('SELECT 1 FROM courses WHERE id = $1', [course]);
    expect(rowCount).toBe(0);
  });
});
