/**
 * Tenant isolation in the database itself (migration 0010, db/roles.ts): the server's runtime role sees and writes
 * only the rows of the course its transaction names, and cannot undo that. Runs on whichever PostgreSQL the suite
 * uses (the machine's 15, or the embedded 18); start.test.ts checks the server started on the embedded one.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OWNER_ROLE, RUNTIME_ROLE } from '../src/db/roles.js';
import { addSlides, buildTestApp, DEMO_LECTURE, type TestApp, uniqueId } from './helpers/app.js';

let t: TestApp;
const courseA = uniqueId('rls-a');
const courseB = uniqueId('rls-b');
/** Every table with a course (a `course_id` column, or `courses` itself). */
let scopedTables: string[] = [];

/** Runs `work` in a transaction of the runtime role, with `app.course_id` set to `courseId` when given. */
async function asRuntime<T>(courseId: string | undefined, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await t.appPool.connect();
  try {
    await client.query('BEGIN');
    if (courseId) await client.query(`SELECT set_config('app.course_id', $1, true)`, [courseId]);
    return await work(client);
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release();
  }
}

const courseColumn = (table: string) => (table === 'courses' ? 'id' : 'course_id');

async function failure(work: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await work;
  } catch (err) {
    return err as { code?: string; message: string };
  }
  throw new Error('expected the statement to fail');
}

beforeAll(async () => {
  t = await buildTestApp();
  for (const course of [courseA, courseB]) {
    await addSlides(t.pool, course, DEMO_LECTURE.slice(0, 3));
    for (const user of ['rls-student-1', 'rls-student-2']) {
      const ping = await t.call('track_confusion', { user_id: user, course_id: course, slide_id: 'slide-1' });
      expect(ping.statusCode, ping.body).toBe(200);
    }
    const question = await t.call('submit_question', {
      user_id: 'rls-student-1',
      course_id: course,
      question_body: `What is entropy in ${course}?`,
    });
    expect(question.statusCode, question.body).toBe(200);
  }
  const { rows } = await t.pool.query<{ table: string }>(`
    SELECT c.relname AS table FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind = 'r'
      AND (c.relname = 'courses' OR EXISTS (
        SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'course_id' AND NOT a.attisdropped))
    ORDER BY 1`);
  scopedTables = rows.map((r) => r.table);
});

afterAll(async () => {
  await t?.close();
});

describe('row-level security on every course-scoped table', () => {
  it('is enabled and forced on each of them, and the owner role owns them', async () => {
    expect(scopedTables).toEqual(
      expect.arrayContaining(['courses', 'enrollments', 'slides', 'confusion_events', 'questions', 'interventions']),
    );
    const { rows } = await t.pool.query<{ table: string; enabled: boolean; forced: boolean; owner: string }>(
      `SELECT relname AS table, relrowsecurity AS enabled, relforcerowsecurity AS forced, pg_get_userbyid(relowner) AS owner
       FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relname = ANY($1) ORDER BY 1`,
      [scopedTables],
    );
    expect(rows).toEqual(scopedTables.map((table) => ({ table, enabled: true, forced: true, owner: OWNER_ROLE })));
  });

  it('the app runs as the runtime role: not a superuser, not the owner or a member of it, no BYPASSRLS', async () => {
    const { rows } = await t.appPool.query(
      `SELECT current_user AS "user", rolsuper AS superuser, rolbypassrls AS bypass,
              pg_has_role(current_user, '${OWNER_ROLE}', 'MEMBER') AS member
       FROM pg_roles WHERE rolname = current_user`,
    );
    expect(rows[0]).toEqual({ user: RUNTIME_ROLE, superuser: false, bypass: false, member: false });
  });

  it('a query without app.course_id sees no row of any course-scoped table', async () => {
    for (const table of ['courses', 'enrollments', 'slides', 'confusion_events', 'confusion_latest', 'questions']) {
      const { rows } = await t.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
      expect(rows[0]?.n, `${table} has rows`).toBeGreaterThan(0);
    }
    await asRuntime(undefined, async (client) => {
      for (const table of scopedTables) {
        const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
        expect(rows[0]?.n, table).toBe(0);
      }
    });
    // Outside any transaction too (a statement of its own).
    const { rows } = await t.appPool.query<{ n: number }>('SELECT count(*)::int AS n FROM questions');
    expect(rows[0]?.n).toBe(0);
  });

  it('with course A set, it sees only course A', async () => {
    await asRuntime(courseA, async (client) => {
      for (const table of scopedTables) {
        const { rows } = await client.query<{ mine: number; others: number }>(
          `SELECT count(*) FILTER (WHERE ${courseColumn(table)} = $1)::int AS mine,
                  count(*) FILTER (WHERE ${courseColumn(table)} <> $1)::int AS others FROM ${table}`,
          [courseA],
        );
        expect(rows[0]?.others, table).toBe(0);
        if (['courses', 'slides', 'confusion_events', 'questions'].includes(table)) {
          expect(rows[0]?.mine, table).toBeGreaterThan(0);
        }
      }
      // Even naming course B's rows explicitly finds nothing, and changes nothing.
      const named = await client.query(`SELECT * FROM questions WHERE course_id = $1`, [courseB]);
      expect(named.rowCount).toBe(0);
      const deleted = await client.query(`DELETE FROM confusion_events WHERE course_id = $1`, [courseB]);
      expect(deleted.rowCount).toBe(0);
    });
    const { rows } = await t.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM confusion_events WHERE course_id = $1',
      [courseB],
    );
    expect(rows[0]?.n).toBe(2);
  });

  it('cannot write into another course, nor move a row there, nor write with no course set', async () => {
    const insertQuestion = (client: pg.PoolClient, course: string) =>
      client.query(`INSERT INTO questions (course_id, body, anonymous) VALUES ($1, 'sneaky', true)`, [course]);
    const violation = /row-level security/;
    // Another course, while course A is set.
    expect((await asRuntime(courseA, (c) => failure(insertQuestion(c, courseB)))).message).toMatch(violation);
    expect(
      (await asRuntime(courseA, (c) => failure(c.query(`INSERT INTO courses (id, name) VALUES ('rls-new', 'New')`))))
        .message,
    ).toMatch(violation);
    // No course set: not even its own course's rows can be written.
    expect((await asRuntime(undefined, (c) => failure(insertQuestion(c, courseA)))).message).toMatch(violation);
    // Moving a row of course A to course B.
    expect(
      (
        await asRuntime(courseA, (c) =>
          failure(c.query(`UPDATE questions SET course_id = $1 WHERE course_id = $2`, [courseB, courseA])),
        )
      ).message,
    ).toMatch(violation);
    // Its own course works.
    const own = await asRuntime(courseA, (c) => insertQuestion(c, courseA));
    expect(own.rowCount).toBe(1);
  });

  it('cannot change the tables, turn row-level security off, or become the owner', async () => {
    const attempts = [
      'ALTER TABLE questions DISABLE ROW LEVEL SECURITY',
      'ALTER TABLE questions NO FORCE ROW LEVEL SECURITY',
      'ALTER TABLE questions ADD COLUMN sneaky text',
      'DROP POLICY course_scope ON questions',
      'CREATE POLICY everything ON questions USING (true)',
      `SET ROLE ${OWNER_ROLE}`,
      `SET SESSION AUTHORIZATION ${OWNER_ROLE}`,
      'CREATE TABLE sneaky (id int)',
      'CREATE SCHEMA sneaky',
      'SELECT * FROM schema_migrations',
      `GRANT ${OWNER_ROLE} TO ${RUNTIME_ROLE}`,
    ];
    for (const statement of attempts) {
      const err = await asRuntime(undefined, (c) => failure(c.query(statement)));
      expect(err.code, `${statement}: ${err.message}`).toBe('42501'); // insufficient_privilege
    }
    // Turning row security off for itself makes a query that policies would filter fail instead of see more.
    const off = await asRuntime(undefined, async (c) => {
      await c.query('SET LOCAL row_security = off');
      return failure(c.query('SELECT * FROM questions'));
    });
    expect(off.message).toMatch(/row-level security/);
  });

  it('the cross-course lookups answer a course id and nothing else', async () => {
    const { rows } = await t.pool.query<{ id: string }>(`SELECT id FROM questions WHERE course_id = $1 LIMIT 1`, [
      courseB,
    ]);
    await asRuntime(courseA, async (c) => {
      const unknown = await c.query(`SELECT course_of_quiz(gen_random_uuid()) AS course`);
      expect(unknown.rows[0].course).toBeNull();
      // There is no lookup for questions (or any other table): only interventions, quizzes and attempts.
      const err = await failure(c.query(`SELECT course_of_question($1::uuid)`, [rows[0]?.id]));
      expect(err.code).toBe('42883'); // undefined_function
    });
  });
});
