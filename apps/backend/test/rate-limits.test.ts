/**
 * Rate limits: a student hammering a button is slowed whatever the transport, while a lecture hall behind one address
 * is not; the AgentKit secret is limited per course; RATE_LIMIT=off turns it all off; with REDIS_URL, instances
 * share the counts.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenService } from '../src/auth/tokens.js';
import { addSlides, buildTestApp, DEMO_LECTURE, type TestApp, uniqueId } from './helpers/app.js';
import { emptyInput, parseSse } from './helpers/chatkit.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Limits small enough to reach in a test. */
const LIMITS = {
  RATE_LIMIT: 'on',
  RATE_LIMIT_PER_MINUTE: '10',
  RATE_LIMIT_IP_PER_MINUTE: '5',
  RATE_LIMIT_PING_PER_MINUTE: '3',
  RATE_LIMIT_SERVICE_PER_MINUTE: '200',
};

async function newCourse(t: TestApp): Promise<string> {
  const course = uniqueId('course');
  await addSlides(t.pool, course, DEMO_LECTURE.slice(0, 3));
  return course;
}

/** A student with a ChatKit client secret and a thread holding the widget, signed in without POST-by-address. */
async function student(t: TestApp, courseId: string) {
  const tokens = createTokenService(t.config.sessionSecret, t.clock);
  const userId = uniqueId('student');
  const { token: session } = await tokens.issue('session', { userId, courseId, courseName: courseId, role: 'student' });
  const opened = await t.app.inject({
    method: 'POST',
    url: '/api/chatkit/session',
    headers: { authorization: `Bearer ${session}` },
    payload: {},
  });
  expect(opened.statusCode, opened.body).toBe(200);
  const secret = opened.json().client_secret as string;
  const created = await chatkit(t, secret, { type: 'threads.create', params: { input: emptyInput } });
  expect(created.statusCode, created.body).toBe(200);
  const events = parseSse(created.body);
  const threadId = (events[0] as { thread: { id: string } }).thread.id;
  const widget = events.find((e) => e.type === 'thread.item.done') as { item: { id: string } };
  return { userId, secret, threadId, widgetId: widget.item.id };
}

function chatkit(t: TestApp, secret: string, body: unknown) {
  return t.app.inject({
    method: 'POST',
    url: '/chatkit',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
}

type Student = Awaited<ReturnType<typeof student>>;
const press = (t: TestApp, s: Student, type: string, payload: Record<string, unknown> = {}) =>
  chatkit(t, s.secret, {
    type: 'threads.custom_action',
    params: { thread_id: s.threadId, item_id: s.widgetId, action: { type, payload } },
  });

function expectLimited(response: { statusCode: number; headers: Record<string, unknown>; json(): unknown }) {
  expect(response.statusCode).toBe(429);
  const retryAfter = Number(response.headers['retry-after']);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(response.json()).toStrictEqual({ error: 'rate_limited', message: expect.stringMatching(/Try again in/) });
}

const mcpCall = (t: TestApp, name: string, args: Record<string, unknown>) =>
  t.app.inject({
    method: 'POST',
    url: '/mcp',
    headers: {
      authorization: `Bearer ${t.config.agentkitSecret}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    payload: { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } },
  });

describe('rate limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ env: LIMITS });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('slows a student hammering "I\'m confused" in the widget, not another student behind the same address', async () => {
    const course = await newCourse(t);
    const [hammering, neighbour] = [await student(t, course), await student(t, course)];
    for (let i = 0; i < 3; i += 1) {
      const ping = await press(t, hammering, 'confusion.ping', { slide_id: 'slide-1' });
      expect(ping.statusCode, ping.body).toBe(200);
    }
    expectLimited(await press(t, hammering, 'confusion.ping', { slide_id: 'slide-1' }));
    // Same address (every inject comes from 127.0.0.1), another student: not limited.
    expect((await press(t, neighbour, 'confusion.ping', { slide_id: 'slide-1' })).statusCode).toBe(200);
    // Asking a question is a bucket of its own; other widget actions only count towards the general limit.
    expect((await press(t, hammering, 'question.submit', { question_body: 'Why?' })).statusCode).toBe(200);
    expect((await press(t, hammering, 'view.heatmap')).statusCode).not.toBe(429);
  });

  it('counts a student once across /api/agentkit and MCP, and limits the AgentKit secret per student there too', async () => {
    const course = await newCourse(t);
    const ping = (user: string) => ({ user_id: user, course_id: course, slide_id: 'slide-2' });
    for (let i = 0; i < 2; i += 1) {
      const answer = await t.call('track_confusion', ping('s1'));
      expect(answer.statusCode).toBe(200);
      // The tighter of the two counts (the student's, not the course's) is the one announced.
      expect(answer.headers).toMatchObject({ 'x-ratelimit-limit': '3', 'x-ratelimit-remaining': String(2 - i) });
    }
    const viaMcp = await mcpCall(t, 'track_confusion', ping('s1'));
    expect(viaMcp.statusCode, viaMcp.body).toBe(200);
    expectLimited(await t.call('track_confusion', ping('s1')));
    expectLimited(await mcpCall(t, 'track_confusion', ping('s1')));
    expect((await t.call('track_confusion', ping('s2'))).statusCode).toBe(200);
    const question = { user_id: 's1', course_id: course, question_body: 'What is b?' };
    expect((await t.call('submit_question', question)).statusCode).toBe(200);
  });

  it('lets 300 students behind one address ping once each', async () => {
    const course = await newCourse(t);
    const statuses: number[] = [];
    for (let batch = 0; batch < 10; batch += 1) {
      const answers = await Promise.all(
        Array.from({ length: 30 }, async () => {
          const s = await student(t, course);
          return (await press(t, s, 'confusion.ping', { slide_id: 'slide-3' })).statusCode;
        }),
      );
      statuses.push(...answers);
    }
    expect(statuses).toHaveLength(300);
    expect(statuses.filter((status) => status !== 200)).toStrictEqual([]);
    const heatmap = await t.call('get_confusion_heatmap', { course_id: course, time_range: 'last_hour' });
    expect(heatmap.statusCode).toBe(200);
  }, 60_000);

  it('limits callers without a session by address, each proxied client separately only when the proxy is trusted', async () => {
    const get = (app: TestApp, forwardedFor: string) =>
      app.app.inject({ method: 'GET', url: '/api/session', headers: { 'x-forwarded-for': forwardedFor } });
    const proxied = await buildTestApp({ env: { ...LIMITS, TRUST_PROXY: '127.0.0.1' } });
    try {
      for (let i = 0; i < 5; i += 1) expect((await get(proxied, '203.0.113.7')).statusCode).toBe(401);
      expectLimited(await get(proxied, '203.0.113.7'));
      expect((await get(proxied, '203.0.113.8')).statusCode).toBe(401);
    } finally {
      await proxied.close();
    }
    // Untrusted: X-Forwarded-For is ignored, so both "clients" are the one address they come from.
    const direct = await buildTestApp({ env: LIMITS });
    try {
      for (let i = 0; i < 5; i += 1) expect((await get(direct, `198.51.100.${i}`)).statusCode).toBe(401);
      expectLimited(await get(direct, '198.51.100.99'));
      // Probes are never limited.
      expect((await direct.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await direct.close();
    }
  });
});

describe('the AgentKit secret', () => {
  it('is limited per course: one course exhausted, another still served', async () => {
    const t = await buildTestApp({ env: { ...LIMITS, RATE_LIMIT_SERVICE_PER_MINUTE: '4' } });
    try {
      const [a, b] = [await newCourse(t), await newCourse(t)];
      for (let i = 0; i < 4; i += 1) {
        expect((await t.call('fetch_notes', { user_id: `u${i}`, course_id: a })).statusCode).toBe(200);
      }
      expectLimited(await t.call('fetch_notes', { user_id: 'u9', course_id: a }));
      expectLimited(await mcpCall(t, 'get_confusion_heatmap', { course_id: a }));
      expect((await t.call('fetch_notes', { user_id: 'u0', course_id: b })).statusCode).toBe(200);
      expect((await mcpCall(t, 'get_confusion_heatmap', { course_id: b })).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });
});

describe('RATE_LIMIT=off', () => {
  it('turns every limit off', async () => {
    const t = await buildTestApp({ env: { ...LIMITS, RATE_LIMIT: 'off' } });
    try {
      const course = await newCourse(t);
      for (let i = 0; i < 20; i += 1) {
        const ping = await t.call('track_confusion', { user_id: 's1', course_id: course, slide_id: 'slide-1' });
        expect(ping.statusCode).toBe(200);
        expect(ping.headers['x-ratelimit-limit']).toBeUndefined();
      }
    } finally {
      await t.close();
    }
  });
});

/** Whether Redis answers at REDIS_URL (the suite's CI starts one). */
async function redisReachable(): Promise<boolean> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 1_000, maxRetriesPerRequest: 0 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

const redisUp = await redisReachable();

describe.skipIf(!redisUp)(
  `with REDIS_URL (${redisUp ? REDIS_URL : `SKIPPED: no Redis answers at ${REDIS_URL}`})`,
  () => {
    const prefix = `class-assist-test:${randomBytes(6).toString('hex')}:`;
    let first: TestApp;
    let second: TestApp;
    beforeAll(async () => {
      const env = { ...LIMITS, REDIS_URL, RATE_LIMIT_REDIS_PREFIX: prefix };
      first = await buildTestApp({ env });
      second = await buildTestApp({ env, databaseUrl: first.databaseUrl });
    });
    afterAll(async () => {
      await second?.close();
      await first?.close();
      const redis = new Redis(REDIS_URL);
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    });

    it("shares one student's count between two instances", async () => {
      const course = await newCourse(first);
      const ping = { user_id: 'hammer', course_id: course, slide_id: 'slide-1' };
      expect((await first.call('track_confusion', ping)).statusCode).toBe(200);
      expect((await second.call('track_confusion', ping)).statusCode).toBe(200);
      expect((await first.call('track_confusion', ping)).statusCode).toBe(200);
      expectLimited(await second.call('track_confusion', ping));
      expectLimited(await first.call('track_confusion', ping));
      expect((await second.call('track_confusion', { ...ping, user_id: 'calm' })).statusCode).toBe(200);

      const redis = new Redis(REDIS_URL);
      try {
        expect(await redis.keys(`${prefix}ping:track_confusion:${course}:hammer`)).toHaveLength(1);
      } finally {
        await redis.quit();
      }
    });
  },
);
