/**
 * Builds Class Assist the way main.ts does, on a fresh database of its own, with a controllable clock and captured
 * logs. Tests call it through `app.inject` (no port) unless they need a real socket (`listen`).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import pino from 'pino';
import { type AppDeps, buildApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config.js';
import { createDb, type Db } from '../../src/db/pool.js';
import { seedDemoCourse } from '../../src/db/seed-demo.js';
import { parseLectureMarkdown } from '../../src/domain/lecture-markdown.js';
import { asRuntimeRole, createTestDatabase, TEST_SESSION_SECRET } from './database.js';

export const TEST_SECRET = 'test-agentkit-secret-0123456789abcdef';

export interface TestClock {
  (): Date;
  set(value: Date | string): void;
  advance(seconds: number): void;
}

/** A clock that stands still until told otherwise. */
export function testClock(start: Date | string = new Date()): TestClock {
  let now = new Date(start);
  const clock = (() => new Date(now)) as TestClock;
  clock.set = (value) => {
    now = new Date(value);
  };
  clock.advance = (seconds) => {
    now = new Date(now.getTime() + seconds * 1000);
  };
  return clock;
}

export interface TestApp {
  app: FastifyInstance;
  config: Config;
  /** Privileged (superuser) access to the app's database for fixtures and checks: row-level security does not apply. */
  pool: pg.Pool;
  db: Db;
  /** The app's own pool, logged in as the runtime role `class_assist_app`, as the server runs. */
  appPool: pg.Pool;
  /** The app's database; another test app built with `{databaseUrl}` shares it. */
  databaseUrl: string;
  clock: TestClock;
  /** Every log line written so far, as raw JSON text. */
  logs: string[];
  /** POST /api/agentkit/{name} with the test secret. */
  call(name: string, body: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function buildTestApp(
  options: {
    env?: Record<string, string>;
    clock?: TestClock;
    /** Use this database (another test app's `databaseUrl`) instead of a fresh one; its owner drops it. */
    databaseUrl?: string;
    /** Serve the page from this build (apps/frontend/dist by default, as main.ts does). */
    frontendDist?: string;
    /** Other dependencies of buildApp (e.g. the LTI platform key sets). */
    appDeps?: Pick<AppDeps, 'ltiPlatformJwks' | 'toolKeys' | 'lmsHttp' | 'httpTimeouts'>;
    /** The level of the captured logs (`info` by default; `debug` to capture everything). */
    logLevel?: pino.Level;
  } = {},
): Promise<TestApp> {
  const database = options.databaseUrl
    ? { url: options.databaseUrl, drop: async () => undefined }
    : await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: 'test',
    AGENTKIT_SECRET: TEST_SECRET,
    SESSION_SECRET: TEST_SESSION_SECRET,
    DATABASE_URL: database.url,
    // Limits are off unless a test asks for them (rate-limits.test.ts), so suites never trip over each other's calls.
    RATE_LIMIT: 'off',
    ...options.env,
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  const log = pino({ level: options.logLevel ?? 'info' }, sink);
  const pool = new pg.Pool({ connectionString: database.url, max: 5 });
  const db = createDb(pool);
  const appPool = new pg.Pool({ connectionString: asRuntimeRole(database.url), max: 5 });
  const appDb = createDb(appPool);
  const clock = options.clock ?? testClock();
  const app = await buildApp({
    config,
    pool: appPool,
    db: appDb,
    log,
    clock,
    frontendDist: options.frontendDist,
    ...options.appDeps,
  });
  await app.ready();
  return {
    app,
    config,
    pool,
    db,
    appPool,
    databaseUrl: database.url,
    clock,
    logs,
    call: (name, body, headers = {}) =>
      app.inject({
        method: 'POST',
        url: `/api/agentkit/${name}`,
        headers: { authorization: `Bearer ${TEST_SECRET}`, 'content-type': 'application/json', ...headers },
        payload: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    async close() {
      await app.close();
      // Kysely ends the pool only if it was ever used (a file that only exports never uses it), and pool.end()
      // resolves before its clients have closed: dropping the database under a client still open makes the pool
      // emit an unhandled 'error'. End the pool in any case and wait for every client to be gone, but not forever:
      // a client never released (a leak a test is about to report) would make pool.end() wait for good.
      const ended = Promise.all([clientsEnded(pool), clientsEnded(appPool)]);
      await settleWithin(
        (async () => {
          await Promise.all([db.destroy(), appDb.destroy()]);
          if (!pool.ending) await pool.end();
          if (!appPool.ending) await appPool.end();
          await ended;
        })(),
      );
      await database.drop();
    },
  };
}

/** Resolves once every client the pool holds now has ended. */
function clientsEnded(pool: pg.Pool): Promise<void> {
  let left = pool.totalCount;
  if (left === 0) return Promise.resolve();
  return new Promise((resolve) => {
    pool.on('remove', () => {
      left -= 1;
      if (left <= 0) resolve();
    });
  });
}

/** Waits for `work`, but no longer than `timeoutMs`. */
async function settleWithin(work: Promise<unknown>, timeoutMs = 5_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    work,
    new Promise((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** A fresh id, so tests in one database never collide. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** The demo lecture's slides (titles, topics, real notes), for test courses of their own. */
export const DEMO_LECTURE = parseLectureMarkdown(
  readFileSync(new URL('../../src/db/demo/lecture.md', import.meta.url), 'utf8'),
).slides.map(({ id, title, topic, notes }) => ({ id, title, topic: topic ?? undefined, notes }));

/** Seeds the demo course (`demo`: the 12-slide lecture, its people and a week of confusion) into the app's database. */
export async function seedDemo(app: TestApp): Promise<void> {
  const client = await app.pool.connect();
  try {
    if (!(await seedDemoCourse(client, app.clock()))) throw new Error('the demo course was seeded already');
  } finally {
    client.release();
  }
}

/** Inserts course material directly (the importer arrives with the study-help work). */
export async function addSlides(
  pool: pg.Pool,
  courseId: string,
  slides: Array<{ id: string; title: string; topic?: string; notes?: string }>,
): Promise<void> {
  await pool.query(`INSERT INTO courses (id, name) VALUES ($1, $1) ON CONFLICT DO NOTHING`, [courseId]);
  for (const [index, slide] of slides.entries()) {
    await pool.query(
      `INSERT INTO slides (course_id, id, position, title, topic, notes, from_material) VALUES ($1, $2, $3, $4, $5, $6, true)`,
      [courseId, slide.id, index + 1, slide.title, slide.topic ?? null, slide.notes ?? ''],
    );
  }
}
