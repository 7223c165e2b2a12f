/**
 * Deep linking end to end through the mock platform: the certification deep linking request answers the picker, each
 * choice answers an auto-posted LtiDeepLinkingResponse signed with the tool's published key, and every refusal
 * (student, tampered or expired picker token, a platform that does not accept LTI links) is the LTI error page.
 */
import type { LightMyRequestResponse } from 'fastify';
import { createLocalJWKSet, decodeProtectedHeader, type JWTPayload, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ltiId } from '../src/lti/launch.service.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import {
  fixture,
  LTI,
  launchFixture,
  type MockPlatform,
  registerPlatform,
  startMockPlatform,
} from './helpers/lti-platform.js';

const DL = 'https://purl.imsglobal.org/spec/lti-dl/claim/';
const RETURN_URL = 'https://ltiadvantagevalidator.imsglobal.org/ltitool/deeplinkresponse.html';

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

const request = () => fixture('valid', 'Deep Linking - Send Deep Linking Request Payload');
const settingsOf = (payload: Record<string, unknown>) =>
  payload[`${DL}deep_linking_settings`] as Record<string, unknown>;
/** The certification request with its settings (and anything else) changed. */
const variant = (settings: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
  const payload = request().payload;
  return { payload: { ...payload, [`${DL}deep_linking_settings`]: { ...settingsOf(payload), ...settings }, ...extra } };
};

const launchPicker = async (f: { payload: Record<string, unknown> } = request()) => {
  const { response } = await launchFixture(t.app, platform, { keep: [], ...f }, 'text/html');
  expect(response.statusCode, response.body).toBe(200);
  expect(response.headers['content-type']).toMatch(/text\/html/);
  const token = /name="token" value="([^"]+)"/.exec(response.body)?.[1];
  expect(token).toBeTruthy();
  return { response, token: token as string };
};

const choose = (form: Record<string, string>, accept = 'text/html') =>
  t.app.inject({
    method: 'POST',
    url: '/lti/deep-link',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept },
    payload: new URLSearchParams(form).toString(),
  });

/** The auto-post form's action and JWT, the JWT verified with the tool's published key set. */
const response = async (answer: LightMyRequestResponse) => {
  expect(answer.statusCode, answer.body).toBe(200);
  expect(answer.headers['content-type']).toMatch(/text\/html/);
  const action = /<form[^>]* method="post" action="([^"]+)"/.exec(answer.body)?.[1];
  const jwt = /name="JWT" value="([^"]+)"/.exec(answer.body)?.[1] as string;
  expect(action).toBe(RETURN_URL);
  const nonce = /<script nonce="([^"]+)">/.exec(answer.body)?.[1];
  expect(answer.headers['content-security-policy']).toContain(`'nonce-${nonce}'`);
  const jwks = (await t.app.inject({ url: '/lti/jwks' })).json();
  const { payload } = await jwtVerify(jwt, createLocalJWKSet(jwks), {
    algorithms: ['RS256'],
    issuer: platform.registration.client_id,
    audience: platform.registration.issuer,
  });
  expect(jwks.keys.map((k: { kid: string }) => k.kid)).toContain(decodeProtectedHeader(jwt).kid);
  return payload as JWTPayload & Record<string, unknown>;
};

const expectRefused = async (answer: LightMyRequestResponse, reason: string) => {
  expect(answer.statusCode, answer.body).toBeGreaterThanOrEqual(400);
  expect(answer.statusCode).toBeLessThan(500);
  expect(answer.json()).toMatchObject({ error: 'lti_refused', reason });
};

const courseItem = {
  type: 'ltiResourceLink',
  url: 'http://localhost:4000/lti/launch',
  title: 'Class Assist — Bio Adventures',
};
const quizItem = {
  type: 'ltiResourceLink',
  url: 'http://localhost:4000/lti/launch',
  title: 'Remedial quiz — Bio Adventures',
  custom: { class_assist_target: 'quiz' },
  lineItem: {
    scoreMaximum: 100,
    label: 'Remedial quiz — Bio Adventures',
    resourceId: 'class-assist-remedial-quiz',
    tag: 'class-assist',
  },
};

describe('deep linking launch', () => {
  it('records the instructor and answers the picker naming the course', async () => {
    const { response: page } = await launchPicker();
    expect(page.body).toContain('Add Class Assist to Bio Adventures');
    expect(page.body).toContain('Class Assist for this course');
    expect(page.body).toContain('Remedial quiz (graded)');
    // accept_multiple: true → checkboxes; no script, no external asset; the style is allowed by its nonce.
    expect(page.body).toMatch(/type="checkbox" id="choice-course" name="course"/);
    expect(page.body).not.toMatch(/<script|https?:\/\//);
    const styleNonce = /<style nonce="([^"]+)">/.exec(page.body)?.[1];
    expect(page.headers['content-security-policy']).toContain(`style-src 'nonce-${styleNonce}'`);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.body).toMatch(/<form method="post" action="\/lti\/deep-link">/);
    expect(page.body).toMatch(/<label for="choice-quiz">/);
    // The hidden fields carry nothing but the token.
    expect(page.body.match(/type="hidden"/g)).toHaveLength(1);

    const f = request().payload;
    const courseId = ltiId(f.iss as string, (f[`${LTI}context`] as { id: string }).id);
    const userId = ltiId(f.iss as string, f.sub as string);
    const { rows } = await t.pool.query(
      'SELECT c.name, e.role FROM enrollments e JOIN courses c ON c.id = e.course_id WHERE e.course_id = $1 AND e.user_id = $2',
      [courseId, userId],
    );
    expect(rows).toEqual([{ name: 'Bio Adventures', role: 'instructor' }]);
  });

  it('escapes the course name', async () => {
    const context = { id: 'xss-course', title: '<script>alert("x")</script> & co' };
    const { response: page } = await launchPicker(variant({}, { [`${LTI}context`]: context }));
    expect(page.body).not.toContain('<script>alert');
    expect(page.body).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; co');
  });

  it('choosing "Class Assist for this course" answers the signed response to the return URL', async () => {
    const { token } = await launchPicker();
    const payload = await response(await choose({ token, course: 'yes' }));
    expect(payload[`${LTI}message_type`]).toBe('LtiDeepLinkingResponse');
    expect(payload[`${LTI}version`]).toBe('1.3.0');
    expect(payload[`${LTI}deployment_id`]).toBe('testdeploy');
    expect(payload[`${DL}data`]).toBe('909708');
    expect(payload[`${DL}content_items`]).toEqual([courseItem]);
    expect(typeof payload.nonce).toBe('string');
  });

  it('choosing the remedial quiz sends an item with its line item; both can be chosen together', async () => {
    const { token } = await launchPicker();
    const quiz = await response(await choose({ token, quiz: 'yes' }));
    expect(quiz[`${DL}content_items`]).toEqual([quizItem]);
    expect(quiz[`${DL}data`]).toBe('909708');
    const both = await response(await choose({ token, course: 'yes', quiz: 'yes' }));
    expect(both[`${DL}content_items`]).toEqual([courseItem, quizItem]);
  });

  it('ignores hidden fields other than the token (the return URL and platform come from the token)', async () => {
    const { token } = await launchPicker();
    const payload = await response(
      await choose({
        token,
        course: 'yes',
        ret: 'https://evil.example/steal',
        deep_link_return_url: 'https://evil.example/steal',
        iss: 'https://evil.example',
        data: 'forged',
      }),
    );
    expect(payload.aud).toBe(platform.registration.issuer);
    expect(payload[`${DL}data`]).toBe('909708');
  });

  it('honors accept_multiple: false (radios, one item only) and omits data when the request had none', async () => {
    const settings: Record<string, unknown> = { ...settingsOf(request().payload), accept_multiple: false };
    delete settings.data;
    const { response: page, token } = await launchPicker(variant({}, { [`${DL}deep_linking_settings`]: settings }));
    expect(page.body).toMatch(/type="radio" id="choice-course" name="item" value="course" required/);
    expect(page.body).not.toContain('type="checkbox"');
    const two = await choose({ token, item: 'course', quiz: 'yes' });
    expect(two.statusCode).toBe(400);
    expect(two.body).toContain('role="alert"');
    expect(two.body).toContain('accepts only one item');
    const payload = await response(await choose({ token, item: 'quiz' }));
    expect(payload[`${DL}content_items`]).toEqual([quizItem]);
    expect(payload).not.toHaveProperty(`${DL}data`);
  });

  it('asks again when nothing was chosen, and refuses an unknown choice', async () => {
    const { token } = await launchPicker();
    const none = await choose({ token });
    expect(none.statusCode).toBe(400);
    expect(none.body).toContain('Choose what to add to the course.');
    expect(none.body).toContain(`value="${token}"`);
    await expectRefused(await choose({ token, item: 'admin' }, 'application/json'), 'deep_link_invalid');
  });

  it('refuses a missing, tampered or other-kind picker token', async () => {
    const { token } = await launchPicker();
    await expectRefused(await choose({ course: 'yes' }, 'application/json'), 'deep_link_invalid');
    const [header, body, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString());
    claims.x.ret = 'https://evil.example/steal';
    const forged = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    await expectRefused(await choose({ token: forged, course: 'yes' }, 'application/json'), 'deep_link_invalid');
    const flipped = `${token.slice(0, -2)}${token.endsWith('A') ? 'B' : 'A'}${token.slice(-1)}`;
    await expectRefused(await choose({ token: flipped, course: 'yes' }, 'application/json'), 'deep_link_invalid');
    // A session token (another audience) is not a picker token.
    const { response: launched } = await launchFixture(
      t.app,
      platform,
      fixture('valid', 'Launch LTI 1.3 Message as Instructor'),
    );
    const session = (launched.headers.location as string).slice('/#session='.length);
    await expectRefused(await choose({ token: session, course: 'yes' }, 'application/json'), 'deep_link_invalid');
    // As a page, in the refusal style.
    const page = await choose({ token: forged, course: 'yes' });
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('deep_link_invalid');
  });

  it('refuses an expired picker token', async () => {
    const { token } = await launchPicker();
    const now = t.clock();
    t.clock.advance(11 * 60);
    try {
      const answer = await choose({ token, course: 'yes' }, 'application/json');
      await expectRefused(answer, 'deep_link_invalid');
      expect(answer.json().message).toMatch(/expired/);
    } finally {
      t.clock.set(now);
    }
  });

  it('refuses a student deep linking launch and records nothing', async () => {
    const sub = 'dl-student';
    const student = variant(
      {},
      { sub, [`${LTI}roles`]: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner'] },
    );
    const { response: answer } = await launchFixture(t.app, platform, { keep: [], ...student });
    await expectRefused(answer, 'deep_linking_forbidden');
    expect(answer.statusCode).toBe(403);
    const id = ltiId(platform.registration.issuer, sub);
    expect((await t.pool.query('SELECT 1 FROM users WHERE id = $1', [id])).rows).toEqual([]);
    const page = await launchFixture(t.app, platform, { keep: [], ...student }, 'text/html');
    expect(page.response.body).toContain('Only instructors can add Class Assist');
  });

  it('explains when the platform does not accept LTI resource links', async () => {
    const f = variant({ accept_types: ['link', 'file', 'html'] }, { sub: 'dl-no-links' });
    const { response: json } = await launchFixture(t.app, platform, { keep: [], ...f });
    await expectRefused(json, 'deep_linking_unsupported');
    const { response: page } = await launchFixture(t.app, platform, { keep: [], ...f }, 'text/html');
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('Your LMS accepts only link, file, html here');
    expect(page.body).toContain('ltiResourceLink');
    const id = ltiId(platform.registration.issuer, 'dl-no-links');
    expect((await t.pool.query('SELECT 1 FROM users WHERE id = $1', [id])).rows).toEqual([]);
  });
});
