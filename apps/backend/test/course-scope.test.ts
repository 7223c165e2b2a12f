/**
 * `inCourse` against a real database, as the server's runtime role: the course setting reaches the transaction
 * whatever the id holds (quotes, backslashes), notifications go out with the COMMIT and only then, and a transaction
 * whose failed statement was caught is reported, not taken for committed.
 */
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inCourse, notifyOnCommit } from '../src/db/course-scope.js';
import { buildTestApp, type TestApp, uniqueId } from './helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(() => t?.close());

/** Listens on `channel` with a connection of its own; `received` holds the payloads. */
async function listen(channel: string) {
  const client = new pg.Client({ connectionString: t.databaseUrl });
  await client.connect();
  const received: string[] = [];
  client.on('notification', (n) => {
    if (n.channel === channel) received.push(n.payload ?? '');
  });
  await client.query(`LISTEN ${client.escapeIdentifier(channel)}`);
  return { received, close: () => client.end() };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 200));

describe('inCourse', () => {
  it("sets the course for the transaction, whatever the id holds (quotes, backslashes, E'' syntax)", async () => {
    for (const courseId of [uniqueId("it's"), uniqueId('back\\slash'), uniqueId("E'\\'; DROP TABLE courses; --")]) {
      const seen = await inCourse(t.db, courseId, async (tx) => {
        const { rows } = await sql<{ id: string }>`SELECT current_setting('app.course_id') AS id`.execute(tx);
        return rows[0]?.id;
      });
      expect(seen).toBe(courseId);
    }
    const { rows } = await t.pool.query(`SELECT to_regclass('public.courses') AS courses`);
    expect(rows[0]?.courses).toBe('courses');
  });

  it('sends the notifications with the COMMIT, and none when the transaction fails', async () => {
    const channel = uniqueId('chan').replace(/[^a-z0-9_]/gi, '_');
    const listener = await listen(channel);
    try {
      await inCourse(t.db, uniqueId('c'), async (tx) => {
        await notifyOnCommit(tx, channel, "first 'quoted' \\ payload");
        await notifyOnCommit(tx, channel, 'second');
        await settle();
        expect(listener.received).toEqual([]);
      });
      await settle();
      expect(listener.received).toEqual(["first 'quoted' \\ payload", 'second']);

      await expect(
        inCourse(t.db, uniqueId('c'), async (tx) => {
          await notifyOnCommit(tx, channel, 'never');
          throw new Error('work failed');
        }),
      ).rejects.toThrow('work failed');
      await settle();
      expect(listener.received).toHaveLength(2);
    } finally {
      await listener.close();
    }
  });

  it('reports a transaction whose failed statement was caught, instead of taking it for committed', async () => {
    const courseId = uniqueId('aborted');
    await expect(
      inCourse(t.db, courseId, async (tx) => {
        await sql`INSERT INTO courses (id, name) VALUES (${courseId}, 'Never')`.execute(tx);
        await sql`SELECT 1 / 0`.execute(tx).catch(() => undefined);
      }),
    ).rejects.toThrow(/rolled back/);
    const { rows } = await t.pool.query('SELECT count(*)::int AS n FROM courses WHERE id = $1', [courseId]);
    expect(rows[0]?.n).toBe(0);
    // The connection went back to the pool usable: the next transaction works.
    expect(await inCourse(t.db, courseId, async () => 'fine')).toBe('fine');
  });
});
