/**
 * Data-subject and retention requests against a real database: `delete-user` leaves nothing of the person in any
 * course and nothing of anyone else missing; `purge` removes only the course's activity older than the date.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_ACTOR } from '../src/access/actor.js';
import { deleteUser, purgeCourse } from '../src/domain/data-retention.service.js';
import type { DomainDeps } from '../src/domain/deps.js';
import { addSlides, buildTestApp, type TestApp, uniqueId } from './helpers/app.js';

let t: TestApp;
let deps: DomainDeps;
beforeAll(async () => {
  t = await buildTestApp();
  // Data requests run on the operator's privileged connection, as `npm run data` does (finding a person's courses
  // reads across courses); each course's deletions still run in a transaction scoped to it.
  deps = { db: t.db, pool: t.pool, classroom: t.config.classroom, clock: t.clock };
});
afterAll(() => t?.close());

/** Tables holding people's activity, with the column naming the person. */
const PERSONAL: Array<[table: string, column: string]> = [
  ['enrollments', 'user_id'],
  ['confusion_events', 'user_id'],
  ['confusion_latest', 'user_id'],
  ['questions', 'user_id'],
  ['quizzes', 'user_id'],
  ['quiz_attempts', 'user_id'],
  ['chatkit_threads', 'user_id'],
  ['intervention_recipients', 'user_id'],
  ['interventions', 'requested_by'],
  ['users', 'id'],
];
const ACTIVITY = [
  'confusion_events',
  'confusion_latest',
  'questions',
  'quizzes',
  'quiz_attempts',
  'quiz_answers',
  'chatkit_threads',
  'chatkit_items',
  'interventions',
  'intervention_recipients',
  'slides',
  'enrollments',
];

async function query(text: string, values: unknown[] = []) {
  return (await t.pool.query(text, values)).rows;
}

/** Rows per table in the course (or everywhere), as a map. */
async function census(courseId?: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of ACTIVITY) {
    const [row] = await query(
      `SELECT count(*)::int AS n FROM ${table}${courseId ? ' WHERE course_id = $1' : ''}`,
      courseId ? [courseId] : [],
    );
    counts[table] = row.n;
  }
  return counts;
}

/** `counts` less `removed`, table by table. */
function less(counts: Record<string, number>, removed: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).map(([table, n]) => [table, n - (removed[table] ?? 0)]));
}

/**
 * Everything one member can leave in a course at `at`: a confusion ping, a named and an anonymous question, a quiz made
 * for them with an answered attempt, a chat thread with an item, and a notification (requested by the course's
 * instructor) they received.
 */
async function activity(courseId: string, userId: string, at: Date, instructor: string): Promise<void> {
  await query(`INSERT INTO users (id, name, email) VALUES ($1, $1, $1 || '@example.edu') ON CONFLICT DO NOTHING`, [
    userId,
  ]);
  await query(
    `INSERT INTO enrollments (course_id, user_id, role, last_seen_at) VALUES ($1, $2, 'student', $3)
     ON CONFLICT DO NOTHING`,
    [courseId, userId, at],
  );
  await query(
    `INSERT INTO confusion_events (course_id, user_id, slide_id, occurred_at) VALUES ($1, $2, 'slide-1', $3)`,
    [courseId, userId, at],
  );
  await query(
    `INSERT INTO confusion_latest (course_id, user_id, slide_key, last_at) VALUES ($1, $2, 'slide-1', $3)
     ON CONFLICT (course_id, user_id, slide_key) DO UPDATE SET last_at = GREATEST(confusion_latest.last_at, $3)`,
    [courseId, userId, at],
  );
  await query(
    `INSERT INTO questions (course_id, user_id, anonymous, slide_id, body, created_at) VALUES
       ($1, $2, false, 'slide-1', 'Why does ' || $2 || ' see this?', $3),
       ($1, NULL, true, 'slide-1', 'An anonymous question', $3)`,
    [courseId, userId, at],
  );
  const quiz = randomUUID();
  const attempt = randomUUID();
  await query(
    `INSERT INTO quizzes (id, course_id, user_id, focus, questions, source, created_at)
     VALUES ($1, $2, $3, 'slide-1', '[]', 'offline', $4)`,
    [quiz, courseId, userId, at],
  );
  await query(
    `INSERT INTO quiz_attempts (id, quiz_id, course_id, user_id, started_at, finished_at) VALUES ($1, $2, $3, $4, $5, $5)`,
    [attempt, quiz, courseId, userId, at],
  );
  await query(
    `INSERT INTO quiz_answers (attempt_id, course_id, question_id, slide_id, choice_index, correct, answered_at)
     VALUES ($1, $2, 'q1', 'slide-1', 0, true, $3)`,
    [attempt, courseId, at],
  );
  const thread = uniqueId('thr');
  await query(`INSERT INTO chatkit_threads (id, course_id, user_id, created_at) VALUES ($1, $2, $3, $4)`, [
    thread,
    courseId,
    userId,
    at,
  ]);
  await query(
    `INSERT INTO chatkit_items (id, thread_id, course_id, type, data, created_at)
     VALUES ('msg-1', $1, $2, 'user_message', '{"content":[{"type":"input_text","text":"help"}]}', $3)`,
    [thread, courseId, at],
  );
  const intervention = randomUUID();
  await query(
    `INSERT INTO interventions (id, course_id, kind, status, lms_kind, request, requested_by, created_at, updated_at,
       finished_at)
     VALUES ($1, $2, 'notify', 'completed', 'canvas', '{"message":"Review slide 1"}', $3, $4, $4, $4)`,
    [intervention, courseId, instructor, at],
  );
  await query(
    `INSERT INTO intervention_recipients (intervention_id, course_id, user_id, lms_user_id, status, updated_at)
     VALUES ($1, $2, $3, '101', 'sent', $4)`,
    [intervention, courseId, userId, at],
  );
}

/** Two courses with slides, an instructor each, the person `subject` in both and `other` in the first. */
async function world() {
  const a = uniqueId('course-a');
  const b = uniqueId('course-b');
  const subject = uniqueId('subject');
  const other = uniqueId('other');
  const profA = uniqueId('prof');
  const profB = uniqueId('prof');
  for (const course of [a, b]) await addSlides(t.pool, course, [{ id: 'slide-1', title: 'One', notes: 'Notes' }]);
  for (const prof of [profA, profB]) await query(`INSERT INTO users (id) VALUES ($1)`, [prof]);
  const now = new Date();
  await activity(a, subject, now, profA);
  await activity(b, subject, now, profB);
  await activity(a, other, now, profA);
  // The subject also requested an intervention in B, as one of its instructors.
  await query(
    `INSERT INTO interventions (id, course_id, kind, status, lms_kind, request, requested_by, created_at, updated_at)
     VALUES ($1, $2, 'notify', 'queued', 'canvas', '{"message":"Come to office hours"}', $3, now(), now())`,
    [randomUUID(), b, subject],
  );
  return { a, b, subject, other };
}

describe('delete-user', () => {
  it('removes everything of the person in every course and nothing of anyone else', async () => {
    const { a, b, subject, other } = await world();
    const untouched = uniqueId('course-c');
    await addSlides(t.pool, untouched, [{ id: 'slide-1', title: 'One' }]);
    await activity(untouched, uniqueId('someone'), new Date(), uniqueId('prof'));
    const before = { a: await census(a), b: await census(b), c: await census(untouched) };

    const result = await deleteUser(deps, SERVICE_ACTOR, { user_id: subject });

    expect(result.courses).toEqual([a, b].sort());
    expect(result.user_row).toBe(true);
    for (const [table, column] of PERSONAL) {
      const rows = await query(`SELECT 1 FROM ${table} WHERE ${column} = $1`, [subject]);
      expect(rows, `${table}.${column}`).toEqual([]);
    }
    expect(await query(`SELECT 1 FROM questions WHERE body LIKE '%' || $1 || '%'`, [subject])).toEqual([]);

    // Per course: exactly the subject's rows went (one of each kind; in B also their intervention stays unlinked).
    const mine = {
      confusion_events: 1,
      confusion_latest: 1,
      questions: 1,
      quizzes: 1,
      quiz_attempts: 1,
      quiz_answers: 1,
      chatkit_threads: 1,
      chatkit_items: 1,
      intervention_recipients: 1,
      enrollments: 1,
    };
    expect(await census(a)).toEqual(less(before.a, mine));
    expect(await census(b)).toEqual(less(before.b, mine));
    expect(await census(untouched)).toEqual(before.c);

    // Anonymous questions were nobody's: they stay. Interventions stay, without the person.
    expect(await query(`SELECT 1 FROM questions WHERE course_id = $1 AND anonymous`, [a])).toHaveLength(2);
    const requesters = await query(`SELECT requested_by FROM interventions WHERE course_id = $1`, [b]);
    expect(requesters.map((r) => r.requested_by === null).sort()).toEqual([false, true]);
    // The other student in A keeps everything.
    for (const [table, column] of PERSONAL.filter(([table]) => table !== 'interventions')) {
      expect(await query(`SELECT 1 FROM ${table} WHERE ${column} = $1`, [other]), table).toHaveLength(1);
    }
    expect(result.removed).toMatchObject({
      confusion_events: 2,
      questions: 2,
      quiz_attempts: 2,
      interventions_unlinked: 1,
    });
  });

  it('keeps a quiz others took, without the name of whom it was made for', async () => {
    const { a, subject, other } = await world();
    const [quiz] = await query(`SELECT id FROM quizzes WHERE course_id = $1 AND user_id = $2`, [a, subject]);
    await query(
      `INSERT INTO quiz_attempts (id, quiz_id, course_id, user_id, started_at) VALUES ($1, $2, $3, $4, now())`,
      [randomUUID(), quiz.id, a, other],
    );
    await deleteUser(deps, SERVICE_ACTOR, { user_id: subject });
    expect(await query(`SELECT user_id FROM quizzes WHERE id = $1`, [quiz.id])).toEqual([{ user_id: null }]);
    expect(
      await query(`SELECT 1 FROM quiz_attempts WHERE quiz_id = $1 AND user_id = $2`, [quiz.id, other]),
    ).toHaveLength(1);
  });

  it('answers an unknown person with nothing removed, and refuses members of a course', async () => {
    const result = await deleteUser(deps, SERVICE_ACTOR, { user_id: uniqueId('nobody') });
    expect(result).toMatchObject({ courses: [], user_row: false, removed: {} });
    const student = { kind: 'member', userId: 'x', courseId: 'c', role: 'instructor' } as const;
    await expect(deleteUser(deps, student, { user_id: 'x' })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(purgeCourse(deps, student, { course_id: 'c', before: new Date() })).rejects.toMatchObject({
      code: 'forbidden',
    });
  });
});

describe('purge', () => {
  it('removes the course activity older than the date, and keeps newer activity, the material and other courses', async () => {
    const a = uniqueId('course-a');
    const b = uniqueId('course-b');
    for (const course of [a, b]) await addSlides(t.pool, course, [{ id: 'slide-1', title: 'One', notes: 'Notes' }]);
    const old = new Date('2025-01-10T10:00:00Z');
    const recent = new Date('2025-03-10T10:00:00Z');
    for (const course of [a, b]) {
      const prof = uniqueId('prof');
      await query(`INSERT INTO users (id) VALUES ($1)`, [prof]);
      await activity(course, uniqueId('old'), old, prof);
      await activity(course, uniqueId('new'), recent, prof);
    }
    // An intervention still being delivered is never purged, however old.
    await query(
      `INSERT INTO interventions (id, course_id, kind, status, lms_kind, request, created_at, updated_at)
       VALUES ($1, $2, 'notify', 'running', 'canvas', '{}', $3, $3)`,
      [randomUUID(), a, old],
    );
    const beforeA = await census(a);
    const beforeB = await census(b);

    const result = await purgeCourse(deps, SERVICE_ACTOR, { course_id: a, before: new Date('2025-02-01') });

    expect(result.removed).toMatchObject({
      confusion_events: 1,
      confusion_latest: 1,
      questions: 2,
      quiz_attempts: 1,
      quiz_answers: 1,
      chat_items: 1,
      chat_threads: 1,
      interventions: 1,
      intervention_recipients: 1,
    });
    expect(await census(a)).toEqual(
      less(beforeA, {
        confusion_events: 1,
        confusion_latest: 1,
        questions: 2,
        quiz_attempts: 1,
        quiz_answers: 1,
        chatkit_threads: 1,
        chatkit_items: 1,
        interventions: 1,
        intervention_recipients: 1,
      }),
    );
    expect(await census(b)).toEqual(beforeB);
    // The heatmap's per-day counts followed, and no day is left at zero.
    expect(
      await query(`SELECT count(*)::int AS n FROM confusion_slide_days WHERE course_id = $1 AND students = 0`, [a]),
    ).toEqual([{ n: 0 }]);
    const left = await query(`SELECT min(occurred_at) AS first FROM confusion_events WHERE course_id = $1`, [a]);
    expect(left[0].first.toISOString()).toBe(recent.toISOString());
    expect(await query(`SELECT status FROM interventions WHERE course_id = $1 AND created_at = $2`, [a, old])).toEqual([
      { status: 'running' },
    ]);
    expect(await query(`SELECT 1 FROM courses WHERE id = $1`, [a])).toHaveLength(1);
  });

  it('says when the course does not exist', async () => {
    await expect(
      purgeCourse(deps, SERVICE_ACTOR, { course_id: uniqueId('missing'), before: new Date() }),
    ).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('npm run data', () => {
  const run = (...args: string[]) =>
    promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', new URL('../../../scripts/data.ts', import.meta.url).pathname, ...args],
      // Secrets given, so the tool never generates any under DATA_DIR.
      {
        env: {
          ...process.env,
          DATABASE_URL: t.databaseUrl,
          AGENTKIT_SECRET: 'x'.repeat(32),
          SESSION_SECRET: 'y'.repeat(32),
        },
      },
    );

  it('deletes a user and purges a course from the command line', async () => {
    const { a, subject } = await world();
    const deleted = JSON.parse((await run('delete-user', subject)).stdout);
    expect(deleted).toMatchObject({ user_id: subject, user_row: true });
    expect(await query(`SELECT 1 FROM enrollments WHERE user_id = $1`, [subject])).toEqual([]);

    const purged = JSON.parse((await run('purge', '--course', a, '--before', '2999-01-01')).stdout);
    expect(purged).toMatchObject({ course_id: a, before: '2999-01-01T00:00:00.000Z' });
    expect(await query(`SELECT 1 FROM confusion_events WHERE course_id = $1`, [a])).toEqual([]);
    expect(await query(`SELECT 1 FROM slides WHERE course_id = $1`, [a])).toHaveLength(1);
  });

  it('prints its usage for a malformed command', async () => {
    await expect(run('purge', '--course', 'x', '--before', 'not-a-date')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('usage: npm run data'),
    });
  });
});
