/** LTI platform registrations (validation, file, admin API) and the tool's keys (JWKS, encryption at rest, rotation). */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../src/errors.js';
import { readPlatformsFile, validateRegistration } from '../src/lti/registrations.js';
import { createToolKeys } from '../src/lti/tool-keys.js';
import { buildTestApp, TEST_SECRET, type TestApp } from './helpers/app.js';

const good = {
  issuer: 'https://canvas.instructure.com',
  client_id: '10000000000001',
  auth_login_url: 'https://sso.canvaslms.com/api/lti/authorize_redirect',
  auth_token_url: 'https://sso.canvaslms.com/login/oauth2/token',
  jwks_url: 'https://sso.canvaslms.com/api/lti/security/jwks',
  deployment_ids: ['1:abc'],
};

describe('registration validation', () => {
  it('accepts a well-formed registration', () => expect(validateRegistration(good)).toEqual(good));

  it.each([
    ['issuer', { issuer: 'not a url' }],
    ['client_id', { client_id: '' }],
    ['auth_login_url', { auth_login_url: 'ftp://x' }],
    ['auth_token_url', { auth_token_url: 42 }],
    ['jwks_url', { jwks_url: undefined }],
    ['deployment_ids', { deployment_ids: 'one' }],
    ['deployment_ids[0]', { deployment_ids: [''] }],
  ])('names %s when it is malformed', (field, change) => {
    const value = { ...good, ...change } as Record<string, unknown>;
    if ('jwks_url' in change) delete value.jwks_url;
    try {
      validateRegistration(value);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).details?.map((d) => d.path)).toContain(field);
      expect((err as AppError).message).toContain(field.replace(/\[0\]$/, ''));
    }
  });

  it('reads a platforms file and names the entry and field of a malformed one', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lti-'));
    const file = path.join(dir, 'platforms.json');
    writeFileSync(file, JSON.stringify([good]));
    expect(readPlatformsFile(file)).toEqual([good]);
    writeFileSync(file, JSON.stringify([good, { ...good, jwks_url: 'nope' }]));
    expect(() => readPlatformsFile(file)).toThrow(/entry 1: .*jwks_url/);
    writeFileSync(file, JSON.stringify(good));
    expect(() => readPlatformsFile(file)).toThrow(/JSON array/);
  });
});

describe('platforms file at start and the admin API', () => {
  let t: TestApp;
  const auth = { authorization: `Bearer ${TEST_SECRET}` };
  beforeAll(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lti-'));
    const file = path.join(dir, 'platforms.json');
    writeFileSync(file, JSON.stringify([good]));
    t = await buildTestApp({ env: { LTI_PLATFORMS_FILE: file } });
  });
  afterAll(() => t.close());

  it('loads LTI_PLATFORMS_FILE at start', async () => {
    const response = await t.app.inject({ url: '/api/admin/lti/platforms', headers: auth });
    expect(response.json()).toEqual({ platforms: [good] });
  });

  it('refuses requests without the AgentKit secret', async () => {
    for (const method of ['GET', 'POST', 'DELETE'] as const) {
      const response = await t.app.inject({
        method,
        url: '/api/admin/lti/platforms',
        headers: { authorization: 'Bearer wrong' },
      });
      expect(response.statusCode).toBe(401);
    }
  });

  it('adds, replaces, lists and removes registrations', async () => {
    const moodle = {
      issuer: 'https://moodle.example.edu',
      client_id: 'abc123',
      auth_login_url: 'https://moodle.example.edu/mod/lti/auth.php',
      auth_token_url: 'https://moodle.example.edu/mod/lti/token.php',
      jwks_url: 'https://moodle.example.edu/mod/lti/certs.php',
      deployment_ids: ['1'],
    };
    const post = (body: unknown) =>
      t.app.inject({
        method: 'POST',
        url: '/api/admin/lti/platforms',
        headers: { ...auth, 'content-type': 'application/json' },
        payload: JSON.stringify(body),
      });
    expect((await post(moodle)).statusCode).toBe(201);
    expect((await post({ ...moodle, deployment_ids: ['1', '2'] })).statusCode).toBe(201);
    const bad = await post({ ...moodle, auth_token_url: 'x' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details).toEqual([expect.objectContaining({ path: 'auth_token_url' })]);
    const list = await t.app.inject({ url: '/api/admin/lti/platforms', headers: auth });
    expect(list.json().platforms).toEqual([good, { ...moodle, deployment_ids: ['1', '2'] }]);
    const del = (q: string) => t.app.inject({ method: 'DELETE', url: `/api/admin/lti/platforms?${q}`, headers: auth });
    expect((await del('issuer=https://moodle.example.edu')).statusCode).toBe(400);
    expect((await del('issuer=https://moodle.example.edu&client_id=abc123')).statusCode).toBe(204);
    expect((await del('issuer=https://moodle.example.edu&client_id=abc123')).statusCode).toBe(404);
    expect((await t.app.inject({ url: '/api/admin/lti/platforms', headers: auth })).json().platforms).toEqual([good]);
  });
});

describe('tool keys', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(() => t.close());

  it('publishes an RSA public key with its kid and no private parts', async () => {
    const response = await t.app.inject({ url: '/lti/jwks' });
    expect(response.statusCode).toBe(200);
    const { keys } = response.json() as { keys: Array<Record<string, string>> };
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', e: 'AQAB' });
    expect(keys[0]?.kid).toMatch(/\S{20,}/);
    expect(Buffer.from(keys[0]?.n ?? '', 'base64url').length).toBe(256);
    for (const part of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(keys[0]).not.toHaveProperty(part);
  });

  it('keeps the private key encrypted at rest', async () => {
    const { rows } = await t.pool.query('SELECT kid, private_key_encrypted FROM lti_keys');
    expect(rows).toHaveLength(1);
    expect(rows[0].private_key_encrypted).toMatch(/^v1\./);
    expect(rows[0].private_key_encrypted).not.toContain('PRIVATE KEY');
    expect(rows[0].private_key_encrypted).not.toContain('MII');
  });

  it('signs with RS256 and its published kid; a wrong SESSION_SECRET cannot decrypt the key', async () => {
    const signer = await t.app.ltiToolKeys.getToolSigner();
    const jwt = await signer.sign({ iss: 'tool', aud: 'platform' }, { typ: 'JWT' });
    const jwks = (await t.app.inject({ url: '/lti/jwks' })).json();
    const { protectedHeader } = await jwtVerify(jwt, createLocalJWKSet(jwks));
    expect(protectedHeader).toMatchObject({ alg: 'RS256', kid: signer.kid, typ: 'JWT' });
    const other = createToolKeys({ db: t.db, sessionSecret: 'another-session-secret-0123456789abcdef', graceDays: 7 });
    await expect(other.getToolSigner()).rejects.toThrow(/SESSION_SECRET/);
  });

  it('keeps the previous public key published for the grace period after a rotation', async () => {
    const before = (await t.app.ltiToolKeys.getToolSigner()).kid;
    const rotated = await t.app.inject({
      method: 'POST',
      url: '/api/admin/lti/keys/rotate',
      headers: { authorization: `Bearer ${TEST_SECRET}` },
    });
    const kid = rotated.json().kid as string;
    expect(kid).not.toBe(before);
    expect((await t.app.ltiToolKeys.getToolSigner()).kid).toBe(kid);
    const kids = () => t.app.inject({ url: '/lti/jwks' }).then((r) => r.json().keys.map((k: { kid: string }) => k.kid));
    expect(await kids()).toEqual([kid, before]);
    t.clock.advance(8 * 86_400);
    expect(await kids()).toEqual([kid]);
  });

  it('keeps the key across restarts', async () => {
    const kid = (await t.app.ltiToolKeys.getToolSigner()).kid;
    const again = await buildTestApp({ databaseUrl: t.databaseUrl });
    try {
      expect((await again.app.ltiToolKeys.getToolSigner()).kid).toBe(kid);
    } finally {
      await again.close();
    }
  });
});
