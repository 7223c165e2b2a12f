/**
 * GET /api/live: a page's server-sent-events stream telling it when its course changed. Over real sockets: who may
 * open one, what arrives and how fast, that other courses stay quiet, presence, shutdown, and PostgreSQL
 * LISTEN/NOTIFY carrying a change from one instance to a page connected to another.
 */
import type { LiveEvent } from '@class-assist/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSlides, buildTestApp, type TestApp, uniqueId } from './helpers/app.js';
import { listen, openSession, openThread, stream } from './helpers/chatkit.js';

const NOW = new Date('2026-03-10T10:00:00.000Z');
/** How long a change may take to reach a page. */
const WITHIN_MS = 1_000;
/** How long to wait before concluding that nothing is coming. */
const QUIET_MS = 400;

/** A page's live connection: the events received so far, and a way to wait for one. */
interface LiveClient {
  status: number;
  events: LiveEvent[];
  /** Resolves with the first event (received so far or later) matching `predicate`; rejects after `ms`. */
  next(predicate: (event: LiveEvent) => boolean, ms?: number): Promise<LiveEvent>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

const open: LiveClient[] = [];

async function connect(
  base: string,
  auth: { cookie?: string; secret?: string; bearer?: string } = {},
): Promise<LiveClient> {
  const controller = new AbortController();
  const query = auth.secret ? `?client_secret=${encodeURIComponent(auth.secret)}` : '';
  const response = await fetch(`${base}/api/live${query}`, {
    signal: controller.signal,
    headers: {
      ...(auth.cookie ? { cookie: auth.cookie } : {}),
      ...(auth.bearer ? { authorization: `Bearer ${auth.bearer}` } : {}),
    },
  });
  const events: LiveEvent[] = [];
  const waiters = new Set<() => void>();
  let endedResolve: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => {
    endedResolve = resolve;
  });
  const client: LiveClient = {
    status: response.status,
    events,
    ended,
    next(predicate, ms = WITHIN_MS) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(predicate);
          if (!found) return false;
          waiters.delete(check as () => void);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check as () => void);
          reject(new Error(`no matching live event within ${ms} ms; got ${JSON.stringify(events)}`));
        }, ms);
        if (!check()) waiters.add(check as () => void);
      });
    },
    close: () => controller.abort(),
  };
  if (response.status !== 200 || !response.body) {
    (client as { body?: string }).body = await response.text();
    endedResolve();
    return client;
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  void (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          for (const line of block.split('\n')) {
            if (line.startsWith('data: ')) events.push(JSON.parse(line.slice(6)));
          }
          for (const waiter of [...waiters]) waiter();
          end = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // aborted by the test
    } finally {
      endedResolve();
    }
  })();
  open.push(client);
  return client;
}

/** Connects and waits for `hello`: the server is listening for the course's changes by then. */
async function connected(base: string, auth: Parameters<typeof connect>[1]): Promise<LiveClient> {
  const client = await connect(base, auth);
  expect(client.status).toBe(200);
  await client.next((e) => e.type === 'hello');
  client.events.length = 0;
  return client;
}

const changed = (reason: string) => (event: LiveEvent) => event.type === 'course.changed' && event.reason === reason;

/** A dev-launch session cookie for a member. */
async function cookieFor(t: TestApp, query: Record<string, string>): Promise<string> {
  const launch = await t.app.inject({ method: 'GET', url: '/dev/launch', query });
  expect(launch.statusCode, launch.body).toBe(302);
  const value = launch.cookies.find((c) => c.name === 'class_assist_session')?.value;
  return `class_assist_session=${value}`;
}

let t: TestApp;
let base: string;

beforeAll(async () => {
  t = await buildTestApp();
  t.clock.set(NOW);
  base = await listen(t);
});
afterAll(async () => {
  for (const client of open) client.close();
  await t.close();
});

describe('connecting', () => {
  it('streams hello with a session cookie, a client secret in the query, or one as bearer', async () => {
    const course = uniqueId('course');
    const cookie = await cookieFor(t, { role: 'Learner', userId: uniqueId('u'), courseId: course });
    const { client_secret } = await openSession(t, { userId: uniqueId('u'), courseId: course, role: 'Instructor' });
    for (const auth of [{ cookie }, { secret: client_secret }, { bearer: client_secret }]) {
      const client = await connect(base, auth);
      expect(client.status, JSON.stringify(auth)).toBe(200);
      expect(await client.next((e) => e.type === 'hello')).toStrictEqual({ type: 'hello', course_id: course });
      client.close();
    }
  });

  it('answers text/event-stream without caching', async () => {
    const { client_secret } = await openSession(t, { userId: 'u', courseId: uniqueId('c'), role: 'Learner' });
    const controller = new AbortController();
    const response = await fetch(`${base}/api/live?client_secret=${client_secret}`, { signal: controller.signal });
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('cache-control')).toMatch(/no-cache/);
    controller.abort();
  });

  it('refuses a request without a session, or with a bad or expired one, with 401', async () => {
    const { client_secret } = await openSession(t, { userId: 'u', courseId: uniqueId('c'), role: 'Learner' });
    const cookie = await cookieFor(t, { userId: 'u', courseId: uniqueId('c') });
    const sessionToken = cookie.split('=')[1] ?? '';
    for (const auth of [{}, { secret: 'nonsense' }, { secret: sessionToken }, { cookie: `${cookie}x` }]) {
      const client = await connect(base, auth);
      expect(client.status, JSON.stringify(auth)).toBe(401);
      expect(JSON.parse((client as { body?: string }).body ?? '{}').error).toBe('unauthorized');
    }
    t.clock.advance(2 * 3600 + 1);
    try {
      expect((await connect(base, { secret: client_secret })).status).toBe(401);
    } finally {
      t.clock.set(NOW);
    }
  });

  it('marks the user active (enrollments.last_seen_at) when the page connects', async () => {
    const course = uniqueId('course');
    const userId = uniqueId('student');
    const { client_secret } = await openSession(t, { userId, courseId: course, role: 'Learner' });
    const lastSeen = async () =>
      (
        await t.pool.query('SELECT last_seen_at FROM enrollments WHERE course_id = $1 AND user_id = $2', [
          course,
          userId,
        ])
      ).rows[0]?.last_seen_at;
    expect(await lastSeen()).toStrictEqual(NOW);
    t.clock.advance(300);
    try {
      const client = await connected(base, { secret: client_secret });
      expect(await lastSeen()).toStrictEqual(new Date(NOW.getTime() + 300_000));
      client.close();
    } finally {
      t.clock.set(NOW);
    }
  });
});

describe('course.changed', () => {
  let course: string;
  let teacher: LiveClient;
  let teacherSecret: string;

  beforeAll(async () => {
    course = uniqueId('course');
    await addSlides(t.pool, course, [
      { id: 'slide-1', title: 'One' },
      { id: 'slide-2', title: 'Two' },
    ]);
    teacherSecret = (await openSession(t, { userId: uniqueId('teacher'), courseId: course, role: 'Instructor' }))
      .client_secret;
    teacher = await connected(base, { secret: teacherSecret });
  });

  it("arrives within a second of a student's ping through POST /api/agentkit/track_confusion", async () => {
    teacher.events.length = 0;
    const ping = await t.call('track_confusion', {
      user_id: uniqueId('student'),
      course_id: course,
      slide_id: 'slide-1',
    });
    expect(ping.statusCode, ping.body).toBe(200);
    expect(await teacher.next(changed('confusion'))).toStrictEqual({
      type: 'course.changed',
      course_id: course,
      reason: 'confusion',
    });
  });

  it("arrives within a second of a student's ping through a ChatKit widget action", async () => {
    const { client_secret } = await openSession(t, { userId: uniqueId('student'), courseId: course, role: 'Learner' });
    const { threadId, widget } = await openThread(base, client_secret);
    teacher.events.length = 0;
    const events = await stream(base, client_secret, {
      type: 'threads.custom_action',
      params: { thread_id: threadId, item_id: widget.id, action: { type: 'confusion.ping', payload: {} } },
    });
    expect(events.map((e) => e.type)).toStrictEqual(['stream_options', 'thread.item.replaced']);
    await teacher.next(changed('confusion'));
  });

  it('arrives after slide.set, for the students too', async () => {
    const student = await connected(base, {
      cookie: await cookieFor(t, { userId: uniqueId('student'), courseId: course }),
    });
    const { threadId, widget } = await openThread(base, teacherSecret);
    teacher.events.length = 0;
    await stream(base, teacherSecret, {
      type: 'threads.custom_action',
      params: {
        thread_id: threadId,
        item_id: widget.id,
        action: { type: 'slide.set', payload: { slide_id: 'slide-2' } },
      },
    });
    await teacher.next(changed('slide'));
    await student.next(changed('slide'));
    student.close();
  });

  it('arrives after a question', async () => {
    teacher.events.length = 0;
    const asked = await t.call('submit_question', {
      user_id: uniqueId('student'),
      course_id: course,
      question_body: 'Why?',
      anonymous: true,
    });
    expect(asked.statusCode, asked.body).toBe(200);
    await teacher.next(changed('question'));
  });

  it('does not arrive for pings in another course, nor for a duplicate ping', async () => {
    const student = uniqueId('student');
    const first = await t.call('track_confusion', { user_id: student, course_id: course, slide_id: 'slide-1' });
    expect(first.statusCode).toBe(200);
    await teacher.next(changed('confusion'));
    teacher.events.length = 0;

    const duplicate = await t.call('track_confusion', { user_id: student, course_id: course, slide_id: 'slide-1' });
    expect(duplicate.json().duplicate).toBe(true);
    const elsewhere = await t.call('track_confusion', {
      user_id: uniqueId('student'),
      course_id: uniqueId('other'),
      slide_id: 'slide-1',
    });
    expect(elsewhere.statusCode).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
    expect(teacher.events).toStrictEqual([]);
  });
});

describe('shutdown', () => {
  it('ends open streams when the app closes, without hanging', async () => {
    const other = await buildTestApp();
    const otherBase = await listen(other);
    const { client_secret } = await openSession(other, { userId: 'u', courseId: uniqueId('c'), role: 'Learner' });
    const clients = [
      await connected(otherBase, { secret: client_secret }),
      await connected(otherBase, { bearer: client_secret }),
    ];
    const started = Date.now();
    await other.close();
    await Promise.all(clients.map((client) => client.ended));
    expect(Date.now() - started).toBeLessThan(5_000);
    // Closed: nothing listens any more.
    await expect(fetch(`${otherBase}/healthz`)).rejects.toThrow();
  });
});

describe('two instances on one database', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await buildTestApp();
    b = await buildTestApp({ databaseUrl: a.databaseUrl });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it("carries a ping through app A to a page connected to app B, and B's changes to A", async () => {
    const course = uniqueId('course');
    const { client_secret } = await openSession(b, {
      userId: uniqueId('teacher'),
      courseId: course,
      role: 'Instructor',
    });
    const onB = await connected(await listen(b), { secret: client_secret });
    const onA = await connected(await listen(a), { secret: client_secret });

    const ping = await a.call('track_confusion', { user_id: uniqueId('student'), course_id: course });
    expect(ping.statusCode, ping.body).toBe(200);
    await onB.next(changed('confusion'));
    await onA.next(changed('confusion'));

    onA.events.length = 0;
    const asked = await b.call('submit_question', { user_id: 's', course_id: course, question_body: 'Across?' });
    expect(asked.statusCode, asked.body).toBe(200);
    await onA.next(changed('question'));
    onA.close();
    onB.close();
  });
});
