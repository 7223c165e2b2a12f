import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { fixture, type MockPlatform, postLaunch, registerPlatform, startMockPlatform } from './helpers/lti-platform.js';

// LTI platform storage (lti_storage_target): the state also lives in the platform's storage, for LMS iframes whose
// cookies are blocked; the launch is then confirmed by the browser before the page gets its session.
describe('LTI launch with platform storage', () => {
  let t: TestApp;
  let platform: MockPlatform;
  beforeAll(async () => {
    t = await buildTestApp();
    platform = await startMockPlatform();
    await registerPlatform(t.app, t.config.agentkitSecret, platform);
  });
  afterAll(async () => {
    await platform.close();
    await t.close();
  });

  const scriptValue = (html: string, name: string): string => {
    const match = new RegExp(`var ${name} = ("(?:[^"\\\\]|\\\\.)*");`).exec(html);
    if (!match?.[1]) throw new Error(`no ${name} in the page`);
    return JSON.parse(match[1]);
  };

  async function loginWithStorage() {
    const query = new URLSearchParams({
      iss: platform.registration.issuer,
      client_id: platform.registration.client_id,
      login_hint: 'hint',
      target_link_uri: 'http://localhost:4000/',
      lti_deployment_id: platform.registration.deployment_ids[0] ?? '',
      lti_storage_target: '_parent',
    });
    const response = await t.app.inject({ method: 'GET', url: `/lti/login?${query}` });
    const next = new URL(scriptValue(response.body, 'next'));
    return { response, state: next.searchParams.get('state') ?? '', nonce: next.searchParams.get('nonce') ?? '', next };
  }

  it('keeps the state and nonce in the platform storage before going on to the platform', async () => {
    const { response, state, nonce, next } = await loginWithStorage();
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.headers['content-security-policy']).toMatch(/script-src 'nonce-[^']+'/);
    expect(next.origin + next.pathname).toBe(platform.registration.auth_login_url);
    expect(state).not.toBe('');
    expect(response.body).toContain('lti.put_data');
    expect(response.body).toContain(JSON.stringify(platform.url)); // messages go to the platform's origin only
    expect(response.body).toContain(`"state_" + ${JSON.stringify(state)}`);
    expect(response.body).toContain(`"nonce_" + ${JSON.stringify(nonce)}`);
    // The cookie is still set, for browsers that allow it.
    expect(response.cookies.some((c) => c.name === `lti_state_${state}`)).toBe(true);
  });

  it('without the cookie, hands the session only to a page that checks the state in the platform storage', async () => {
    const { state, nonce } = await loginWithStorage();
    const f = fixture('valid', 'Launch LTI 1.3 Message as Student');
    const idToken = await platform.sign(f.payload, { nonce });
    const response = await t.app.inject({
      method: 'POST',
      url: '/lti/launch',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      payload: new URLSearchParams({ id_token: idToken, state, lti_storage_target: '_parent' }).toString(),
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.body).toContain('lti.get_data');
    expect(scriptValue(response.body, 'state')).toBe(state);
    expect(response.cookies.map((c) => c.name)).not.toContain('class_assist_session');
    const session = await t.app.inject({
      method: 'GET',
      url: '/api/session',
      headers: { authorization: `Bearer ${scriptValue(response.body, 'session')}` },
    });
    expect(session.statusCode).toBe(200);
    expect(session.json().role).toBe('student');
  });

  it('refuses a launch with neither the cookie nor platform storage', async () => {
    const { state, nonce } = await loginWithStorage();
    const f = fixture('valid', 'Launch LTI 1.3 Message as Student');
    const response = await postLaunch(t.app, { id_token: await platform.sign(f.payload, { nonce }), state }, '');
    expect(response.statusCode).toBe(400);
    expect(response.json().reason).toBe('state_mismatch');
  });

  it('asks for cookies when a deep-linking launch has only platform storage, and records nothing', async () => {
    const { state, nonce } = await loginWithStorage();
    const f = fixture('valid', 'Deep Linking - Send Deep Linking Request Payload');
    const before = await t.pool.query('SELECT count(*)::int AS n FROM lti_nonces');
    const response = await t.app.inject({
      method: 'POST',
      url: '/lti/launch',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      payload: new URLSearchParams({
        id_token: await platform.sign(f.payload, { nonce }),
        state,
        lti_storage_target: '_parent',
      }).toString(),
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ reason: 'state_mismatch' });
    expect(response.json().message).toMatch(/cookies/);
    expect((await t.pool.query('SELECT count(*)::int AS n FROM lti_nonces')).rows[0].n).toBe(before.rows[0].n);
  });
});
