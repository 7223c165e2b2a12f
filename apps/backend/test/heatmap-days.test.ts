/**
 * The heatmap's per-day counts (confusion_slide_days, kept by triggers on confusion_latest) against the exact count
 * over confusion_latest, in a course whose time zone is not a whole hour from UTC: after pings over nine days
 * (stored, deduplicated, moved to a later day), concurrent batches, a ping stamped after "now", data retention, a
 * person's deletion (also by the runtime role, through the cascade) and a change of time zone, every range of the
 * heatmap counts exactly the students whose latest confusion on the slide falls in it, and the kept days equal a
 * recount.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_ACTOR } from '../src/access/actor.js';
import { deleteUser, purgeCourse } from '../src/domain/data-retention.service.js';
import type { DomainDeps } from '../src/domain/deps.js';
import { addSlides, buildTestApp, type TestApp, testClock, uniqueId } from './helpers/app.js';

const RANGES = ['last_hour', 'today', 'this_week'] as const;
const SLIDES = ['slide-1', 'slide-2', 'slide-3', 'slide-4'];
const NOW = new Date('2026-03-12T15:10:00.000Z'); // a Thursday

let t: TestApp;
let deps: DomainDeps;
beforeAll(async () => {
  t = await buildTestApp({ clock: testClock(NOW) });
  deps = { db: t.db, pool: t.pool, classroom: t.config.classroom, clock: t.clock };
});
afterAll(() => t?.close());

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

async function ping(courseId: string, userId: string, slideId: string) {
  const response = await t.call('track_confusion', { course_id: courseId, user_id: userId, slide_id: slideId });
  expect(response.statusCode, response.body).toBe(200);
}

/** Every range of the heatmap against the exact count of latest confusions in [since, now]. */
async function expectExact(courseId: string) {
  for (const time_range of RANGES) {
    const response = await t.call('get_confusion_heatmap', { course_id: courseId, time_range });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json() as {
      since: string;
      chartData: Array<{ slide_id: string; confused_students: number }>;
    };
    const { rows } = await t.pool.query<{ slide_key: string; n: number }>(
      `SELECT slide_key, count(*)::int AS n FROM confusion_latest
       WHERE course_id = $1 AND last_at >= $2 AND last_at <= $3 AND slide_key <> '' GROUP BY slide_key`,
      [courseId, body.since, t.clock()],
    );
    const exact = Object.fromEntries(SLIDES.map((slide) => [slide, 0]));
    for (const row of rows) exact[row.slide_key] = row.n;
    const shown = Object.fromEntries(body.chartData.map((point) => [point.slide_id, point.confused_students]));
    expect(shown, time_range).toEqual(exact);
  }
  // The kept days are a recount of confusion_latest (days at zero may stay behind).
  const kept = await t.pool.query(
    `SELECT day::text, slide_key, students FROM confusion_slide_days
     WHERE course_id = $1 AND students <> 0 ORDER BY 1, 2`,
    [courseId],
  );
  const recount = await t.pool.query(
    `SELECT (l.last_at AT TIME ZONE c.timezone)::date::text AS day, l.slide_key, count(*)::int AS students
     FROM confusion_latest l JOIN courses c ON c.id = l.course_id
     WHERE l.course_id = $1 AND l.slide_key <> '' GROUP BY 1, 2 ORDER BY 1, 2`,
    [courseId],
  );
  expect(kept.rows).toEqual(recount.rows);
  return recount.rows.length;
}

describe('the heatmap counts kept per day', () => {
  it('equal the exact counts through pings, concurrency, retention, deletion and a new time zone', async () => {
    const courseId = uniqueId('days');
    await addSlides(
      t.pool,
      courseId,
      SLIDES.map((id) => ({ id, title: id })),
    );
    await t.pool.query(`UPDATE courses SET timezone = 'Asia/Kolkata' WHERE id = $1`, [courseId]);
    const students = Array.from({ length: 12 }, (_, i) => `${courseId}-s${i}`);
    const next = random(8);
    const pick = <T>(items: T[]) => items[Math.floor(next() * items.length)] as T;

    // Nine days of pings, in time order, some minutes apart (repeats inside the dedupe window are not stored).
    let at = NOW.getTime() - 9 * 86_400_000;
    while (at < NOW.getTime()) {
      t.clock.set(new Date(at));
      await ping(courseId, pick(students), pick(SLIDES));
      at += Math.floor(next() * 4 * 3_600_000);
    }
    t.clock.set(NOW);
    expect(await expectExact(courseId)).toBeGreaterThan(8);

    // Batches written at once: the same students and slides from many callers in parallel, twice 10 minutes apart.
    for (const minutes of [0, 10]) {
      t.clock.set(new Date(NOW.getTime() + minutes * 60_000));
      await Promise.all(Array.from({ length: 60 }, () => ping(courseId, pick(students), pick(SLIDES))));
    }
    t.clock.set(new Date(NOW.getTime() + 20 * 60_000));
    await expectExact(courseId);

    // A latest confusion stamped after "now" (another instance's clock ahead) is not counted yet.
    t.clock.set(new Date(NOW.getTime() + 45 * 60_000));
    await ping(courseId, students[0] as string, 'slide-1');
    t.clock.set(new Date(NOW.getTime() + 30 * 60_000));
    await expectExact(courseId);

    // Retention and a person's deletion take their days with them.
    await purgeCourse(deps, SERVICE_ACTOR, { course_id: courseId, before: new Date(NOW.getTime() - 4 * 86_400_000) });
    await deleteUser(deps, SERVICE_ACTOR, { user_id: students[1] as string });
    await expectExact(courseId);

    // A person's users row deleted by the server's own role, naming no course: their rows cascade away, and the
    // triggers still find each row's course (they run as the owner).
    await t.appPool.query('DELETE FROM users WHERE id = $1', [students[2]]);
    await expectExact(courseId);

    // The course moves to another time zone: its days are counted again in it.
    await t.pool.query(`UPDATE courses SET timezone = 'America/Los_Angeles' WHERE id = $1`, [courseId]);
    await expectExact(courseId);

    // Deleting the course leaves no day behind.
    await t.pool.query(`DELETE FROM courses WHERE id = $1`, [courseId]);
    const left = await t.pool.query(`SELECT count(*)::int AS n FROM confusion_slide_days WHERE course_id = $1`, [
      courseId,
    ]);
    expect(left.rows[0]?.n).toBe(0);
  });
});
