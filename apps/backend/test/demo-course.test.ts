import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_COURSE_ID, DEMO_PEOPLE, seedDemoCourse } from '../src/db/seed-demo.js';
import { parseLectureMarkdown } from '../src/domain/lecture-markdown.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';

describe('parseLectureMarkdown', () => {
  it('turns level-2 headings into slides with topics and notes', () => {
    const lecture = parseLectureMarkdown(
      '# Optics\r\n\r\nIntro text.\n\n## Refraction\nTopic: Snell\n\nLight bends.\n\nMore.\n## Lenses ##\n\nA lens focuses.\n',
    );
    expect(lecture).toStrictEqual({
      title: 'Optics',
      slides: [
        { id: 'slide-1', position: 1, title: 'Refraction', topic: 'Snell', notes: 'Light bends.\n\nMore.' },
        { id: 'slide-2', position: 2, title: 'Lenses', topic: null, notes: 'A lens focuses.' },
      ],
    });
  });

  it('reads the demo lecture as twelve slides, each with a topic and real notes', () => {
    const text = readFileSync(new URL('../src/db/demo/lecture.md', import.meta.url), 'utf8');
    const lecture = parseLectureMarkdown(text);
    expect(lecture.title).toBe('Introduction to Machine Learning');
    expect(lecture.slides).toHaveLength(12);
    for (const slide of lecture.slides) {
      expect(slide.title.length).toBeGreaterThan(3);
      expect(slide.topic).toBeTruthy();
      expect(slide.notes.split(/\s+/).length).toBeGreaterThan(80);
    }
  });
});

describe('seedDemoCourse', () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  beforeAll(async () => {
    database = await createTestDatabase();
    pool = new pg.Pool({ connectionString: database.url, max: 1 });
    // pool.end() resolves before its connection's socket has closed; the DROP … WITH (FORCE) that follows may then
    // end that connection with an error nobody is left to hear.
    pool.on('connect', (client) => client.on('error', () => undefined));
  });
  afterAll(async () => {
    await pool.end();
    await database.drop();
  });

  it('seeds an empty database once with the demo course, its people and a week of confusion', async () => {
    const client = await pool.connect();
    try {
      expect(await seedDemoCourse(client)).toBe(true);
      expect(await seedDemoCourse(client)).toBe(false);
    } finally {
      client.release();
    }
    const course = await pool.query('SELECT name, current_slide_id FROM courses WHERE id = $1', [DEMO_COURSE_ID]);
    expect(course.rows).toStrictEqual([{ name: 'Introduction to Machine Learning', current_slide_id: 'slide-1' }]);
    const slides = await pool.query('SELECT id FROM slides WHERE course_id = $1 AND from_material ORDER BY position', [
      DEMO_COURSE_ID,
    ]);
    expect(slides.rows.map((row) => row.id)).toStrictEqual(Array.from({ length: 12 }, (_, i) => `slide-${i + 1}`));
    const roles = await pool.query(
      'SELECT role, count(*)::int AS n FROM enrollments WHERE course_id = $1 GROUP BY role',
      [DEMO_COURSE_ID],
    );
    expect(Object.fromEntries(roles.rows.map((row) => [row.role, row.n]))).toStrictEqual({
      instructor: DEMO_PEOPLE.filter((p) => p.role === 'instructor').length,
      student: DEMO_PEOPLE.filter((p) => p.role === 'student').length,
    });
    const events = await pool.query(
      `SELECT count(*)::int AS n, max(occurred_at) < now() - interval '12 hours' AS all_past FROM confusion_events`,
    );
    expect(events.rows[0].n).toBeGreaterThan(5);
    expect(events.rows[0].all_past).toBe(true);
    const latest = await pool.query('SELECT count(*)::int AS n FROM confusion_latest WHERE course_id = $1', [
      DEMO_COURSE_ID,
    ]);
    expect(latest.rows[0].n).toBe(events.rows[0].n);
  });
});
