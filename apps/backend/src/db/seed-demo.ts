/**
 * An empty database gets the demo course (id `demo`): the lecture in `demo/lecture.md`, an instructor, five students
 * and a week of past confusion, so the heatmap has something to show. Runs under the schema lock.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { parseLectureMarkdown } from '../domain/lecture-markdown.js';

export const DEMO_COURSE_ID = 'demo';

export const DEMO_PEOPLE = [
  { id: 'demo-instructor', name: 'Dr. Grace Hopper', email: 'grace.hopper@example.edu', role: 'instructor' },
  { id: 'demo-student-1', name: 'Ada Lovelace', email: 'ada.lovelace@example.edu', role: 'student' },
  { id: 'demo-student-2', name: 'Alan Turing', email: 'alan.turing@example.edu', role: 'student' },
  { id: 'demo-student-3', name: 'Katherine Johnson', email: 'katherine.johnson@example.edu', role: 'student' },
  { id: 'demo-student-4', name: 'Claude Shannon', email: 'claude.shannon@example.edu', role: 'student' },
  { id: 'demo-student-5', name: 'Hedy Lamarr', email: 'hedy.lamarr@example.edu', role: 'student' },
] as const;

// Which students (1-5) were confused on which slides, and how many days ago (the pattern a real class might leave:
// gradient descent and regularization are hard).
const PAST_CONFUSION: Array<{ slide: number; students: number[]; daysAgo: number }> = [
  { slide: 5, students: [2], daysAgo: 6 },
  { slide: 6, students: [1, 3], daysAgo: 5 },
  { slide: 7, students: [1, 2, 4], daysAgo: 4 },
  { slide: 7, students: [5], daysAgo: 3 },
  { slide: 9, students: [2, 3, 5], daysAgo: 2 },
  { slide: 11, students: [4], daysAgo: 1 },
];

export async function seedDemoCourse(client: pg.PoolClient, now = new Date()): Promise<boolean> {
  const { rows } = await client.query('SELECT 1 FROM courses LIMIT 1');
  if (rows.length > 0) return false;
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), 'demo', 'lecture.md');
  const lecture = parseLectureMarkdown(readFileSync(file, 'utf8'));
  await client.query('BEGIN');
  try {
    await client.query(`SELECT set_config('app.course_id', $1, true)`, [DEMO_COURSE_ID]);
    await client.query('INSERT INTO courses (id, name, current_slide_id) VALUES ($1, $2, $3)', [
      DEMO_COURSE_ID,
      lecture.title,
      lecture.slides[0]?.id ?? null,
    ]);
    for (const slide of lecture.slides) {
      await client.query(
        `INSERT INTO slides (course_id, id, position, title, topic, notes, from_material)
         VALUES ($1, $2, $3, $4, $5, $6, true)`,
        [DEMO_COURSE_ID, slide.id, slide.position, slide.title, slide.topic, slide.notes],
      );
    }
    for (const person of DEMO_PEOPLE) {
      await client.query('INSERT INTO users (id, name, email) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING', [
        person.id,
        person.name,
        person.email,
      ]);
      await client.query('INSERT INTO enrollments (course_id, user_id, role) VALUES ($1, $2, $3)', [
        DEMO_COURSE_ID,
        person.id,
        person.role,
      ]);
    }
    for (const { slide, students, daysAgo } of PAST_CONFUSION) {
      for (const student of students) {
        const at = new Date(now.getTime() - daysAgo * 86_400_000 - student * 60_000);
        await client.query(
          'INSERT INTO confusion_events (course_id, user_id, slide_id, occurred_at) VALUES ($1, $2, $3, $4)',
          [DEMO_COURSE_ID, `demo-student-${student}`, `slide-${slide}`, at],
        );
      }
    }
    await client.query(
      `INSERT INTO confusion_latest (course_id, user_id, slide_key, last_at)
       SELECT course_id, user_id, COALESCE(slide_id, ''), max(occurred_at) FROM confusion_events
       WHERE course_id = $1 GROUP BY 1, 2, 3`,
      [DEMO_COURSE_ID],
    );
    await client.query(
      `UPDATE enrollments e SET last_seen_at = latest.at, last_confused_at = latest.at
       FROM (SELECT user_id, max(occurred_at) AS at FROM confusion_events WHERE course_id = $1 GROUP BY 1) latest
       WHERE e.course_id = $1 AND e.user_id = latest.user_id`,
      [DEMO_COURSE_ID],
    );
    await client.query('COMMIT');
    return true;
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  }
}
