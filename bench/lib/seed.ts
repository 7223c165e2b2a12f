/**
 * Benchmark data written straight into the database: courses with students and slides, and confusion events
 * bulk-loaded with COPY, with `confusion_latest` and `enrollments.last_seen_at` filled the way the write path keeps
 * them (latest confusion per student and slide; last activity per student).
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { connectClient } from './database.js';

export interface CourseSpec {
  courseId: string;
  /** Student ids are `${studentPrefix}${0…students-1}`. */
  studentPrefix: string;
  students: number;
  /** Instructor ids are `${courseId}-instructor-${0…instructors-1}`. */
  instructors: number;
  /** Slide ids are `slide-1…slide-<slides>`, imported as course material. */
  slides: number;
}

/** Row-level security lets a transaction see and write only the course it names (a superuser bypasses it). */
async function scopeToCourse(client: pg.Client, courseId: string): Promise<void> {
  await client.query("SELECT set_config('app.course_id', $1, true)", [courseId]);
}

/** Creates the course, its people and its slides (students active now). */
export async function createCourse(url: string, course: CourseSpec): Promise<void> {
  const client = await connectClient(url);
  try {
    await client.query('BEGIN');
    await scopeToCourse(client, course.courseId);
    await client.query('INSERT INTO courses (id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
      course.courseId,
      `Benchmark ${course.courseId}`,
    ]);
    await client.query(
      `INSERT INTO users (id)
       SELECT $1 || n FROM generate_series(0, $2 - 1) AS n
       UNION ALL SELECT $3 || '-instructor-' || n FROM generate_series(0, $4 - 1) AS n
       ON CONFLICT DO NOTHING`,
      [course.studentPrefix, course.students, course.courseId, course.instructors],
    );
    await client.query(
      `INSERT INTO enrollments (course_id, user_id, role, last_seen_at)
       SELECT $1, $2 || n, 'student', now() FROM generate_series(0, $3 - 1) AS n
       UNION ALL SELECT $1, $1 || '-instructor-' || n, 'instructor', now() FROM generate_series(0, $4 - 1) AS n
       ON CONFLICT DO NOTHING`,
      [course.courseId, course.studentPrefix, course.students, course.instructors],
    );
    await client.query(
      `INSERT INTO slides (course_id, id, position, title, topic, notes, from_material)
       SELECT $1, 'slide-' || n, n, 'Slide ' || n, 'Topic ' || ((n - 1) / 10 + 1), 'Notes of slide ' || n, true
       FROM generate_series(1, $2) AS n
       ON CONFLICT DO NOTHING`,
      [course.courseId, course.slides],
    );
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
}

/**
 * COPYs `events` confusion events of random students on random slides, spread evenly over the `spanMs` before now,
 * then derives `confusion_latest` and the students' last activity from them, and VACUUMs (ANALYZE). Returns the seconds spent.
 */
export async function bulkLoadEvents(
  url: string,
  course: CourseSpec,
  events: number,
  spanMs: number,
): Promise<{ seconds: number }> {
  const started = performance.now();
  const client = await connectClient(url);
  try {
    const end = Date.now() - 1_000;
    async function* rows() {
      const chunk = 10_000;
      for (let offset = 0; offset < events; offset += chunk) {
        let text = '';
        for (let index = offset; index < Math.min(events, offset + chunk); index += 1) {
          const student = Math.floor(Math.random() * course.students);
          const slide = Math.floor(Math.random() * course.slides) + 1;
          const at = new Date(end - Math.random() * spanMs).toISOString();
          text += `${course.courseId}\t${course.studentPrefix}${student}\tslide-${slide}\t${at}\n`;
        }
        yield text;
      }
    }
    await client.query('BEGIN');
    await scopeToCourse(client, course.courseId);
    await pipeline(
      Readable.from(rows()),
      client.query(copyFrom('COPY confusion_events (course_id, user_id, slide_id, occurred_at) FROM STDIN')),
    );
    await client.query(
      `INSERT INTO confusion_latest (course_id, user_id, slide_key, last_at)
       SELECT course_id, user_id, COALESCE(slide_id, ''), max(occurred_at) FROM confusion_events
       WHERE course_id = $1 GROUP BY course_id, user_id, COALESCE(slide_id, '')
       ON CONFLICT (course_id, user_id, slide_key) DO UPDATE SET last_at = GREATEST(confusion_latest.last_at, EXCLUDED.last_at)`,
      [course.courseId],
    );
    await client.query(
      `UPDATE enrollments SET last_seen_at = latest.at, last_confused_at = latest.at
       FROM (SELECT user_id, max(last_at) AS at FROM confusion_latest WHERE course_id = $1 GROUP BY user_id) AS latest
       WHERE enrollments.course_id = $1 AND enrollments.user_id = latest.user_id`,
      [course.courseId],
    );
    await client.query('COMMIT');
    // What autovacuum does within a minute of a bulk load (its insert threshold): statistics, and the visibility map
    // that lets index-only scans skip the heap. Measuring before it would measure a moment, not the steady state.
    for (const table of ['confusion_events', 'confusion_latest', 'confusion_slide_days', 'enrollments']) {
      await client.query(`VACUUM (ANALYZE) ${table}`);
    }
  } finally {
    await client.end();
  }
  return { seconds: (performance.now() - started) / 1000 };
}
