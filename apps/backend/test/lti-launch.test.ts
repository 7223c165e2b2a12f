/** The LTI 1.3 login → launch flow against a mock platform, with the 1EdTech certification payloads. */
import type { LightMyRequestResponse } from 'fastify';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ltiId } from '../src/lti/launch.service.js';
import { createPlatformJwks } from '../src/lti/platform-jwks.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import {
  fixture,
  LTI,
  launchFixture,
  loadFixtures,
  login,
  type MockPlatform,
  postLaunch,
  registerPlatform,
  startMockPlatform,
} from './helpers/lti-platform.js';

let t: TestApp;
let platform: MockPlatform;

beforeAll(async () => {
  platform = await startMockPlatform();
  t = await buildTestApp();
  await registerPlatform(t.app, t.config.agentkitSecret, platform);
});
afterAll(async () => {
  await t.close();
  await platform.close();
});

const student = () => fixture('valid', 'Launch LTI 1.3 Message as Student');
const counts = async () => {
  const { rows } = await t.pool.query<{ courses: string; users: string; enrollments: string; nonces: string }>(
    `SELECT (SELECT count(*) FROM courses) AS courses, (SELECT count(*) FROM users) AS users,
            (SELECT count(*) FROM enrollments) AS enrollments, (SELECT count(*) FROM lti_nonces) AS nonces`,
  );
  return rows[0];
};
const session = async (response: LightMyRequestResponse) => {
  expect(response.statusCode, response.body).toBe(302);
  const location = response.headers.location as string;
  expect(location).toMatch(/^\/#session=[\w-]+\.[\w-]+\.[\w-]+$/);
  const token = location.slice('/#session='.length);
  const answer = await t.app.inject({
    method: 'GET',
    url: '/api/session',
    headers: { authorization: `Bearer ${token}` },
  });
  expect(answer.statusCode).toBe(200);
  return answer.json() as { userId: string; courseId: string; courseName: string; role: string };
};
const expectRefused = async (response: LightMyRequestResponse, reason: string, before: unknown) => {
  expect(response.statusCode, response.body).toBeGreaterThanOrEqual(400);
  expect(response.statusCode).toBeLessThan(500);
  expect(response.json()).toMatchObject({ error: 'lti_refused', reason });
  expect(await counts()).toEqual(before);
};

describe('login initiation', () => {
  it('redirects to the platform auth URL with every parameter and sets the state cookie', async () => {
    const { response, location, state, nonce } = await login(t.app, platform);
    expect(response.statusCode).toBe(302);
    expect(`${location.origin}${location.pathname}`).toBe(platform.registration.auth_login_url);
    expect(Object.fromEntries(location.searchParams)).toEqual({
      scope: 'openid',
      response_type: 'id_token',
      response_mode: 'form_post',
      prompt: 'none',
      client_id: platform.registration.client_id,
      redirect_uri: 'http://localhost:4000/lti/launch',
      login_hint: 'hint-123',
      lti_message_hint: 'message-hint-456',
      state,
      nonce,
    });
    expect(state.length).toBeGreaterThanOrEqual(32);
    expect(nonce).not.toBe(state);
    const cookie = response.cookies.find((c) => c.value === state);
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/lti/' });
  });

  it('accepts a form-posted login with Canvas extra parameters', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/lti/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        iss: platform.registration.issuer,
        login_hint: 'x',
        target_link_uri: 'http://localhost:4000/lti/launch',
        client_id: platform.registration.client_id,
        lti_deployment_id: 'testdeploy',
        canvas_region: 'us-east-1',
        canvas_environment: 'prod',
      }).toString(),
    });
    expect(response.statusCode).toBe(302);
  });

  it('refuses an unknown issuer, an unknown deployment and a foreign target_link_uri', async () => {
    const before = await t.pool.query('SELECT count(*) FROM lti_states');
    for (const [overrides, reason] of [
      [{ iss: 'https://evil.example' }, 'unknown_platform'],
      [{ client_id: 'other' }, 'unknown_platform'],
      [{ lti_deployment_id: 'nope' }, 'unknown_deployment'],
      [{ target_link_uri: 'https://evil.example/' }, 'invalid_target_link_uri'],
      [{ login_hint: '' }, 'invalid_request'],
    ] as const) {
      const query = new URLSearchParams({
        iss: platform.registration.issuer,
        client_id: platform.registration.client_id,
        login_hint: 'h',
        target_link_uri: 'http://localhost:4000/',
        ...overrides,
      });
      const json = await t.app.inject({ url: `/lti/login?${query}`, headers: { accept: 'application/json' } });
      expect(json.statusCode).toBe(400);
      expect(json.json().reason).toBe(reason);
      const html = await t.app.inject({ url: `/lti/login?${query}` });
      expect(html.headers['content-type']).toMatch(/text\/html/);
      expect(html.body).toContain(reason);
    }
    expect((await t.pool.query('SELECT count(*) FROM lti_states')).rows).toEqual(before.rows);
  });
});

describe('certification: valid launches', () => {
  const instructorCases = new Set([
    'Assignments and Grades - Core Launch',
    'Deep Linking - Send Deep Linking Request Payload',
    'Launch Instructor No PII',
    'Launch Instructor Only Email',
    'Launch Instructor Only Names',
    'Launch Instructor with Multiple Role Values',
    'Launch Instructor with Short Role Value',
    'Launch LTI 1.3 Message as Instructor',
    'Names and Roles - Core Launch if Needed',
  ]);
  const valid = loadFixtures('valid');
  it('has the 21 payloads', () => expect(valid).toHaveLength(21));

  it.each(valid.map((f) => [f.name, f] as const))('%s → accepted with the right role and course', async (_name, f) => {
    const { response } = await launchFixture(t.app, platform, f);
    const context = f.payload[`${LTI}context`] as { id: string; title: string };
    const expectedCourse = ltiId(f.payload.iss as string, context.id);
    if (f.payload[`${LTI}message_type`] === 'LtiDeepLinkingRequest') {
      // A deep linking request answers the picker (lti-deep-linking-flow.test.ts) after recording the launch.
      expect(response.statusCode, response.body).toBe(200);
      expect(response.body).toContain(`Add Class Assist to ${context.title}`);
      const { rows } = await t.pool.query('SELECT role FROM enrollments WHERE course_id = $1 AND user_id = $2', [
        expectedCourse,
        ltiId(f.payload.iss as string, f.payload.sub as string),
      ]);
      expect(rows).toEqual([{ role: 'instructor' }]);
      return;
    }
    const who = await session(response);
    expect(who).toEqual({
      userId: ltiId(f.payload.iss as string, f.payload.sub as string),
      courseId: expectedCourse,
      courseName: context.title,
      role: instructorCases.has(f.name) ? 'instructor' : 'student',
    });
    const { rows } = await t.pool.query('SELECT role FROM enrollments WHERE course_id = $1 AND user_id = $2', [
      who.courseId,
      who.userId,
    ]);
    expect(rows).toEqual([{ role: who.role }]);
  });

  it('stores name and email when sent, nothing when the launch has no PII', async () => {
    const sub = 'pii-check-user';
    const noPii = { ...fixture('valid', 'Launch Student No PII').payload, sub };
    await session((await launchFixture(t.app, platform, { payload: noPii, keep: [] })).response);
    const id = ltiId(platform.registration.issuer, sub);
    expect((await t.pool.query('SELECT name, email FROM users WHERE id = $1', [id])).rows).toEqual([
      { name: null, email: null },
    ]);
    const full = { ...student().payload, sub };
    await session((await launchFixture(t.app, platform, { payload: full, keep: [] })).response);
    expect((await t.pool.query('SELECT name, email, lti_sub FROM users WHERE id = $1', [id])).rows).toEqual([
      { name: 'Carrie A Lowell', email: 'c.lowell@district1.com', lti_sub: sub },
    ]);
  });

  it('keeps Canvas ids from the custom claim and the course service endpoints', async () => {
    const base = fixture('valid', 'Names and Roles - Core Launch if Needed').payload;
    const payload = {
      ...base,
      [`${LTI}context`]: { id: 'canvas-ctx-1', title: 'Canvas Course' },
      [`${LTI}custom`]: { canvas_course_id: '4242', canvas_user_id: '99', unused: '$Canvas.user.loginId' },
    };
    const who = await session((await launchFixture(t.app, platform, { payload, keep: [] })).response);
    const course = await t.pool.query('SELECT name, lti_context_id, lms_course_id FROM courses WHERE id = $1', [
      who.courseId,
    ]);
    expect(course.rows).toEqual([{ name: 'Canvas Course', lti_context_id: 'canvas-ctx-1', lms_course_id: '4242' }]);
    const user = await t.pool.query('SELECT lms_user_id FROM users WHERE id = $1', [who.userId]);
    expect(user.rows).toEqual([{ lms_user_id: '99' }]);
    const services = await t.pool.query('SELECT * FROM lti_course_services WHERE course_id = $1', [who.courseId]);
    expect(services.rows[0]).toMatchObject({
      issuer: platform.registration.issuer,
      client_id: platform.registration.client_id,
      deployment_id: 'testdeploy',
      context_memberships_url: (
        base['https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice'] as { context_memberships_url: string }
      ).context_memberships_url,
      lineitems_url: (base['https://purl.imsglobal.org/spec/lti-ags/claim/endpoint'] as { lineitems: string })
        .lineitems,
    });
    expect(services.rows[0].ags_scopes).toHaveLength(3);
  });

  it('derives ids from the issuer, so two platforms never share a course', () => {
    expect(ltiId('https://a.example', '1')).toMatch(/^lti-[0-9a-f]{8}-1$/);
    expect(ltiId('https://a.example', '1')).not.toBe(ltiId('https://b.example', '1'));
    expect(ltiId('https://a.example', 'x'.repeat(300)).length).toBeLessThanOrEqual(255);
  });
});

describe('certification: invalid launches', () => {
  const reasons: Record<string, string> = {
    'Correct KID Required in Header': 'kid_missing',
    'Exp and Iat Fields invalid': 'token_expired',
    'Incorrect KID passed in JWT Header': 'unknown_kid',
    'JWT Passed is Not LTI 1.3 JWT': 'invalid_issuer',
    'LTI version passed is not 1.3': 'invalid_version',
    'Launch Instructor With Email No Context': 'no_course_context',
    'Launch With Missing resource_link_id': 'missing_claims',
    'No LTI Version Passed in JWT': 'missing_claims',
    'One or more JWT fields missing': 'missing_claims',
    'deployment_id Claim Missing': 'missing_claims',
    'message_type Claim Missing': 'missing_claims',
    'role Claim Missing': 'missing_claims',
    'user Claim Missing': 'missing_claims',
  };
  const named: Record<string, string> = {
    'Launch With Missing resource_link_id': 'resource_link.id',
    'No LTI Version Passed in JWT': 'version',
    'deployment_id Claim Missing': 'deployment_id',
    'message_type Claim Missing': 'message_type',
    'role Claim Missing': 'roles',
    'user Claim Missing': 'sub',
  };
  const invalid = loadFixtures('invalid');
  it('has the 13 payloads', () => expect(invalid).toHaveLength(13));

  it.each(invalid.map((f) => [f.name, f] as const))('%s → refused for the right reason', async (name, f) => {
    const before = await counts();
    const { response } = await launchFixture(t.app, platform, f);
    await expectRefused(response, reasons[name] as string, before);
    if (named[name]) expect(response.json().message).toContain(named[name]);
  });

  it('shows an HTML page naming the reason without Accept: application/json, and logs it', async () => {
    const f = fixture('invalid', 'Launch Instructor With Email No Context');
    const { response } = await launchFixture(t.app, platform, f, 'text/html');
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/text\/html/);
    expect(response.body).toContain('no_course_context');
    expect(response.body).toContain('no course context');
    expect(t.logs.some((line) => line.includes('"reason":"no_course_context"'))).toBe(true);
  });
});

describe('launch security', () => {
  it('refuses a replayed nonce', async () => {
    const first = await launchFixture(t.app, platform, student());
    await session(first.response);
    const before = await counts();
    const replay = await postLaunch(t.app, { id_token: first.token, state: first.state }, first.cookie);
    await expectRefused(replay, 'nonce_replayed', before);
  });

  it('refuses a state that does not match the browser cookie, or no cookie', async () => {
    const started = await login(t.app, platform);
    const token = await platform.sign(student().payload, { nonce: started.nonce });
    const before = await counts();
    await expectRefused(
      await postLaunch(t.app, { id_token: token, state: started.state }, ''),
      'state_mismatch',
      before,
    );
    const other = await login(t.app, platform);
    await expectRefused(
      await postLaunch(t.app, { id_token: token, state: started.state }, other.cookie),
      'state_mismatch',
      before,
    );
  });

  it('refuses a nonce other than the one issued at login', async () => {
    const started = await login(t.app, platform);
    const token = await platform.sign(student().payload, { nonce: 'someone-elses-nonce' });
    const before = await counts();
    await expectRefused(
      await postLaunch(t.app, { id_token: token, state: started.state }, started.cookie),
      'nonce_mismatch',
      before,
    );
  });

  const variants: Array<[string, (p: Record<string, unknown>) => Record<string, unknown>, string]> = [
    ['wrong audience', (p) => ({ ...p, aud: 'someone-else' }), 'invalid_audience'],
    ['wrong azp', (p) => ({ ...p, aud: [p.aud, 'other'], azp: 'other' }), 'invalid_azp'],
    ['several audiences without azp', (p) => ({ ...p, aud: [p.aud, 'other'] }), 'invalid_azp'],
    ['wrong issuer', (p) => ({ ...p, iss: 'https://evil.example' }), 'invalid_issuer'],
    ['unknown deployment', (p) => ({ ...p, [`${LTI}deployment_id`]: 'other-deploy' }), 'unknown_deployment'],
    [
      'unsupported message type',
      (p) => ({ ...p, [`${LTI}message_type`]: 'LtiSubmissionReviewRequest' }),
      'invalid_message_type',
    ],
  ];
  it.each(variants)('refuses %s', async (_name, change, reason) => {
    const before = await counts();
    const { response } = await launchFixture(t.app, platform, { payload: change(student().payload), keep: [] });
    await expectRefused(response, reason, before);
  });

  it('refuses an expired token and one issued in the future', async () => {
    const now = Math.floor(Date.now() / 1000);
    const before = await counts();
    const expired = { ...student().payload, exp: now - 120, iat: now - 600 };
    await expectRefused(
      (await launchFixture(t.app, platform, { payload: expired, keep: ['exp', 'iat'] })).response,
      'token_expired',
      before,
    );
    const future = { ...student().payload, exp: now + 4000, iat: now + 3600 };
    await expectRefused(
      (await launchFixture(t.app, platform, { payload: future, keep: ['exp', 'iat'] })).response,
      'token_not_yet_valid',
      before,
    );
  });

  it('accepts a token expired by less than the clock skew', async () => {
    const now = Math.floor(Date.now() / 1000);
    const payload = { ...student().payload, exp: now - 5, iat: now - 300 };
    await session((await launchFixture(t.app, platform, { payload, keep: ['exp', 'iat'] })).response);
  });

  it('refuses HS256, alg none, a missing kid and a token signed by another key', async () => {
    const before = await counts();
    const started = await login(t.app, platform);
    const claims = {
      ...student().payload,
      nonce: started.nonce,
      iat: Math.floor(Date.now() / 1000),
      exp: Math.floor(Date.now() / 1000) + 300,
    };
    const hs = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', kid: platform.kid })
      .sign(new Uint8Array(32));
    await expectRefused(
      await postLaunch(t.app, { id_token: hs, state: started.state }, started.cookie),
      'alg_not_allowed',
      before,
    );
    const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const none = `${enc({ alg: 'none', kid: platform.kid })}.${enc(claims)}.`;
    await expectRefused(
      await postLaunch(t.app, { id_token: none, state: started.state }, started.cookie),
      'alg_not_allowed',
      before,
    );
    const noKid = await platform.sign(student().payload, { header: { typ: 'JWT' }, nonce: started.nonce });
    await expectRefused(
      await postLaunch(t.app, { id_token: noKid, state: started.state }, started.cookie),
      'kid_missing',
      before,
    );
    const [h, p] = (await platform.sign(student().payload, { nonce: started.nonce })).split('.');
    const other = await platform.sign({ x: 1 });
    const forged = `${h}.${p}.${other.split('.')[2]}`;
    await expectRefused(
      await postLaunch(t.app, { id_token: forged, state: started.state }, started.cookie),
      'invalid_signature',
      before,
    );
    await expectRefused(
      await postLaunch(t.app, { id_token: 'not-a-jwt', state: started.state }, started.cookie),
      'invalid_jwt',
      before,
    );
  });

  it('refuses a launch without id_token or state, and a platform error response', async () => {
    const before = await counts();
    await expectRefused(await postLaunch(t.app, { id_token: '', state: 'x' }, ''), 'invalid_request', before);
    const response = await t.app.inject({
      method: 'POST',
      url: '/lti/launch',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      payload: 'error=login_required&error_description=Not+logged+in',
    });
    await expectRefused(response, 'invalid_request', before);
  });

  it('caches the platform JWKS and fetches it again when a token names a new kid', async () => {
    const fresh = await buildTestApp({
      databaseUrl: t.databaseUrl,
      appDeps: { ltiPlatformJwks: createPlatformJwks({ cooldownMs: 0 }) },
    });
    try {
      const fetched = platform.jwksFetches();
      await launchFixture(fresh.app, platform, student());
      await launchFixture(fresh.app, platform, student());
      expect(platform.jwksFetches()).toBe(fetched + 1);
      await platform.rotate();
      const { response } = await launchFixture(fresh.app, platform, student());
      expect(response.statusCode, response.body).toBe(302);
      expect(platform.jwksFetches()).toBe(fetched + 2);
    } finally {
      await fresh.close();
    }
  });
});
