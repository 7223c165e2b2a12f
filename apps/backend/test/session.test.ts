/**
 * The browser session: `GET /dev/launch` (development only) starts one in an HttpOnly cookie and opens the page;
 * `GET /api/session` says who it is, with LTI roles mapped onto Class Assist's two.
 */
import type { SessionInfo } from '@class-assist/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp, uniqueId } from './helpers/app.js';

const NOW = new Date('2026-03-10T10:00:00.000Z');
const LTI = 'http://purl.imsglobal.org/vocab/lis/v2/membership';

let t: TestApp;

async function launch(query: Record<string, string>) {
  return t.app.inject({ method: 'GET', url: '/dev/launch', query });
}

async function cookieOf(query: Record<string, string>): Promise<string> {
  const response = await launch(query);
  expect(response.statusCode, response.body).toBe(302);
  const cookie = response.cookies.find((c) => c.name === 'class_assist_session');
  return `class_assist_session=${cookie?.value}`;
}

async function whoAmI(cookie?: string) {
  return t.app.inject({ method: 'GET', url: '/api/session', headers: cookie ? { cookie } : {} });
}

beforeAll(async () => {
  t = await buildTestApp({ env: { NODE_ENV: 'development' } });
  t.clock.set(NOW);
});
afterAll(() => t.close());

describe('GET /dev/launch', () => {
  it('sets an HttpOnly, SameSite=Lax session cookie and redirects to the page', async () => {
    const response = await launch({ role: 'Instructor', userId: 'ada', courseId: 'ml-101', courseName: 'ML' });
    expect(response.statusCode).toBe(302);
    // The page itself; a fragment may hand the same token to the page (it never reaches a server).
    const location = new URL(String(response.headers.location), 'http://localhost');
    expect(`${location.origin}${location.pathname}${location.search}`).toBe('http://localhost/');
    const header = String(response.headers['set-cookie']);
    const token = /^class_assist_session=([^;]+)/.exec(header)?.[1];
    if (location.hash) expect(location.hash).toBe(`#session=${token}`);
    expect(header).toMatch(/^class_assist_session=[\w-]+\.[\w-]+\.[\w-]+;/);
    expect(header).toMatch(/; HttpOnly/i);
    expect(header).toMatch(/; SameSite=Lax/i);
    expect(header).toMatch(/; Path=\//);
    expect(header).not.toMatch(/; Secure/i);
    const [cookie] = response.cookies;
    expect(cookie?.expires?.toISOString()).toBe(new Date(NOW.getTime() + 12 * 3600_000).toISOString());
  });

  it('enrols the member in the course with its name', async () => {
    const course = uniqueId('course');
    await cookieOf({ role: 'Instructor', userId: 'grace', courseId: course, courseName: '  Compilers  ' });
    const { rows } = await t.pool.query(
      `SELECT c.name, e.role, e.last_seen_at FROM courses c JOIN enrollments e ON e.course_id = c.id
       WHERE c.id = $1 AND e.user_id = $2`,
      [course, 'grace'],
    );
    expect(rows).toStrictEqual([{ name: 'Compilers', role: 'instructor', last_seen_at: NOW }]);
  });

  it('refuses a bad query with 400', async () => {
    const queries: Array<Record<string, string>> = [
      { role: 'Learner', courseId: 'c' },
      { role: 'Learner', userId: 'u' },
      { userId: '', courseId: 'c' },
      { userId: 'u', courseId: 'x'.repeat(256) },
      { userId: 'u\u0001', courseId: 'c' },
      { userId: 'u', courseId: 'c', admin: 'true' },
      { userId: 'u', courseId: 'c', role: 'r'.repeat(201) },
    ];
    for (const query of queries) {
      const response = await launch(query);
      expect(response.statusCode, JSON.stringify(query)).toBe(400);
      expect(response.json().error).toBe('validation_failed');
      expect(response.headers['set-cookie']).toBeUndefined();
    }
  });
});

describe('GET /api/session', () => {
  it('answers who the session is', async () => {
    const course = uniqueId('course');
    const cookie = await cookieOf({ role: 'Learner', userId: 'ada', courseId: course, courseName: 'Statistics' });
    const response = await whoAmI(cookie);
    expect(response.statusCode).toBe(200);
    expect(response.json<SessionInfo>()).toStrictEqual({
      userId: 'ada',
      courseId: course,
      courseName: 'Statistics',
      role: 'student',
    });
  });

  it('maps Instructor, Learner, short forms and full LTI role URIs to instructor or student', async () => {
    const cases: Array<[string | undefined, 'instructor' | 'student']> = [
      ['Instructor', 'instructor'],
      ['Learner', 'student'],
      [undefined, 'student'],
      ['instructor', 'instructor'],
      ['TeachingAssistant', 'instructor'],
      ['ContentDeveloper', 'instructor'],
      ['Administrator', 'instructor'],
      ['Mentor', 'student'],
      [`${LTI}#Instructor`, 'instructor'],
      [`${LTI}#Learner`, 'student'],
      [`${LTI}/Instructor#TeachingAssistant`, 'instructor'],
      [`${LTI}#Learner,${LTI}#Instructor`, 'instructor'],
      ['http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator', 'instructor'],
    ];
    for (const [role, expected] of cases) {
      const query: Record<string, string> = { userId: uniqueId('u'), courseId: uniqueId('c') };
      if (role !== undefined) query.role = role;
      const response = await whoAmI(await cookieOf(query));
      expect(response.statusCode).toBe(200);
      expect(response.json<SessionInfo>().role, String(role)).toBe(expected);
    }
  });

  it('names the course after its id when the launch gives no name', async () => {
    const course = uniqueId('course');
    const response = await whoAmI(await cookieOf({ userId: 'u', courseId: course }));
    expect(response.json<SessionInfo>().courseName).toBe(course);
  });

  it('answers 401 without a cookie, with a tampered or expired one, and for a ChatKit client secret', async () => {
    const cookie = await cookieOf({ role: 'Instructor', userId: 'u', courseId: uniqueId('c') });
    const token = cookie.slice(cookie.indexOf('=') + 1);
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString());
    const promoted = Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url');
    const chatkitSecret = (
      await t.app.inject({
        method: 'POST',
        url: '/api/chatkit/session',
        payload: { userId: 'u', courseId: 'c', role: 'Learner' },
      })
    ).json().client_secret;

    for (const bad of [
      undefined,
      'class_assist_session=',
      'class_assist_session=garbage',
      `class_assist_session=${header}.${promoted}.${signature}`,
      `class_assist_session=${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`,
      `class_assist_session=${chatkitSecret}`,
      `other_cookie=${token}`,
    ]) {
      const response = await whoAmI(bad);
      expect(response.statusCode, bad).toBe(401);
      expect(response.json()).toMatchObject({ error: 'unauthorized', message: expect.any(String) });
    }
    const bearer = await t.app.inject({
      method: 'GET',
      url: '/api/session',
      headers: { authorization: `Bearer ${chatkitSecret}` },
    });
    expect(bearer.statusCode).toBe(401);

    t.clock.advance(12 * 3600 + 1);
    try {
      const expired = await whoAmI(cookie);
      expect(expired.statusCode).toBe(401);
      expect(expired.json().message).toMatch(/expired/);
    } finally {
      t.clock.set(NOW);
    }
    expect((await whoAmI(cookie)).statusCode).toBe(200);
  });
});

describe('in production', () => {
  it('has no /dev/launch, and still recognises a session signed with its secret', async () => {
    const prod = await buildTestApp({
      env: {
        NODE_ENV: 'production',
        AGENTKIT_SECRET: 'production-agentkit-secret-0123456789abcdef',
        SESSION_SECRET: 'test-session-secret-0123456789abcdef',
      },
    });
    prod.clock.set(NOW);
    try {
      const response = await prod.app.inject({
        method: 'GET',
        url: '/dev/launch',
        query: { role: 'Instructor', userId: 'u', courseId: 'c' },
      });
      expect(response.statusCode).toBe(404);
      expect(response.headers['set-cookie']).toBeUndefined();
      // A session started elsewhere (same secret) is still recognised.
      const cookie = await cookieOf({ role: 'Learner', userId: 'lti-user', courseId: 'lti-course' });
      const who = await prod.app.inject({ method: 'GET', url: '/api/session', headers: { cookie } });
      expect(who.statusCode).toBe(200);
      expect(who.json<SessionInfo>()).toMatchObject({ userId: 'lti-user', role: 'student' });
    } finally {
      await prod.close();
    }
  });
});
