/**
 * A mock LTI 1.3 platform on loopback: an RSA key pair, its JWKS at http://127.0.0.1:<port>/jwks, the certification
 * payloads (../shared/fixtures/lti-certification) signed with fresh exp/iat unless keep.json names them, and a
 * helper that drives the real login → launch flow of a test app.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import type { PlatformRegistration } from '../../src/lti/registrations.js';

/** The shared copy of the certification payloads when present, else the repository's copy (see its README). */
export const SHARED_LTI_FIXTURES = path.resolve(
  import.meta.dirname,
  '../../../../../shared/fixtures/lti-certification',
);
export const REPO_LTI_FIXTURES = path.resolve(import.meta.dirname, '../fixtures/lti-certification');
export const FIXTURES = existsSync(SHARED_LTI_FIXTURES) ? SHARED_LTI_FIXTURES : REPO_LTI_FIXTURES;
export const FIXTURE_ISSUER = 'https://ltiadvantagevalidator.imsglobal.org';
export const FIXTURE_CLIENT_ID = 'imstester_3dfad6d';
export const FIXTURE_DEPLOYMENT = 'testdeploy';
export const LTI = 'https://purl.imsglobal.org/spec/lti/claim/';

export interface Fixture {
  name: string;
  payload: Record<string, unknown>;
  header?: Record<string, unknown>;
  keep: string[];
}

export function loadFixtures(kind: 'valid' | 'invalid'): Fixture[] {
  const dir = path.join(FIXTURES, kind);
  return readdirSync(dir)
    .sort()
    .map((name) => {
      const read = (file: string) =>
        existsSync(path.join(dir, name, file))
          ? JSON.parse(readFileSync(path.join(dir, name, file), 'utf8'))
          : undefined;
      return { name, payload: read('payload.json'), header: read('header.json'), keep: read('keep.json') ?? [] };
    });
}

export function fixture(kind: 'valid' | 'invalid', name: string): Fixture {
  const found = loadFixtures(kind).find((f) => f.name === name);
  if (!found) throw new Error(`no fixture ${kind}/${name}`);
  return found;
}

export interface MockPlatform {
  url: string;
  kid: string;
  registration: PlatformRegistration;
  /** How many times the JWKS was fetched. */
  jwksFetches(): number;
  /** Signs `payload` (RS256, this platform's kid unless `header` replaces the header; a `{}` header changes nothing). */
  sign(
    payload: Record<string, unknown>,
    options?: { header?: Record<string, unknown>; keep?: string[]; nonce?: string },
  ): Promise<string>;
  /** Adds a new signing key (published in the JWKS) and makes it the one `sign` uses. */
  rotate(): Promise<string>;
  close(): Promise<void>;
}

export async function startMockPlatform(
  options: {
    issuer?: string;
    clientId?: string;
    deploymentIds?: string[];
    /** More pages of the platform (e.g. a course page and an auth endpoint for browser tests); true = handled. */
    extraRoutes?: (request: http.IncomingMessage, response: http.ServerResponse) => boolean;
  } = {},
): Promise<MockPlatform> {
  const keys: Array<{ kid: string; privateKey: CryptoKey; jwk: JWK }> = [];
  const addKey = async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { modulusLength: 2048 });
    const kid = `platform-key-${keys.length + 1}`;
    keys.push({ kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } });
    return kid;
  };
  await addKey();
  let fetches = 0;
  const server = http.createServer((request, response) => {
    if (request.url === '/jwks') {
      fetches += 1;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: keys.map((k) => k.jwk) }));
      return;
    }
    if (options.extraRoutes?.(request, response)) return;
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const current = () => keys[keys.length - 1] as (typeof keys)[number];
  return {
    url,
    get kid() {
      return current().kid;
    },
    registration: {
      issuer: options.issuer ?? FIXTURE_ISSUER,
      client_id: options.clientId ?? FIXTURE_CLIENT_ID,
      auth_login_url: `${url}/auth`,
      auth_token_url: `${url}/token`,
      jwks_url: `${url}/jwks`,
      deployment_ids: options.deploymentIds ?? [FIXTURE_DEPLOYMENT],
    },
    jwksFetches: () => fetches,
    async sign(payload, { header, keep = [], nonce } = {}) {
      const now = Math.floor(Date.now() / 1000);
      const claims: Record<string, unknown> = { ...payload };
      if (!keep.includes('iat')) claims.iat = now;
      if (!keep.includes('exp')) claims.exp = now + 300;
      if (nonce !== undefined && !keep.includes('nonce')) claims.nonce = nonce;
      const protectedHeader =
        header && Object.keys(header).length > 0
          ? { alg: 'RS256', ...header }
          : { alg: 'RS256', kid: current().kid, typ: 'JWT' };
      return new SignJWT(claims as JWTPayload)
        .setProtectedHeader(protectedHeader as { alg: string })
        .sign(current().privateKey);
    },
    rotate: addKey,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface LoginResult {
  response: LightMyRequestResponse;
  location: URL;
  state: string;
  nonce: string;
  cookie: string;
}

/** GET /lti/login as the platform would send it; returns the auth redirect, its state and nonce and the state cookie. */
export async function login(
  app: FastifyInstance,
  platform: MockPlatform,
  overrides: Record<string, string> = {},
): Promise<LoginResult> {
  const query = new URLSearchParams({
    iss: platform.registration.issuer,
    client_id: platform.registration.client_id,
    login_hint: 'hint-123',
    lti_message_hint: 'message-hint-456',
    target_link_uri: 'http://localhost:4000/',
    lti_deployment_id: platform.registration.deployment_ids[0] ?? '',
    ...overrides,
  });
  const response = await app.inject({ method: 'GET', url: `/lti/login?${query}` });
  if (response.statusCode !== 302)
    return { response, location: new URL('about:blank'), state: '', nonce: '', cookie: '' };
  const location = new URL(response.headers.location as string);
  const state = location.searchParams.get('state') ?? '';
  const cookie = response.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  return { response, location, state, nonce: location.searchParams.get('nonce') ?? '', cookie };
}

/** POSTs the id_token and state to /lti/launch as the platform's auto-submitted form would, with the browser's cookie. */
export function postLaunch(
  app: FastifyInstance,
  form: { id_token: string; state: string },
  cookie: string,
  accept = 'application/json',
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: '/lti/launch',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, accept },
    payload: new URLSearchParams(form).toString(),
  });
}

/** The whole flow for one fixture: login, sign with the issued nonce, launch. */
export async function launchFixture(
  app: FastifyInstance,
  platform: MockPlatform,
  f: Pick<Fixture, 'payload' | 'header' | 'keep'>,
  accept?: string,
): Promise<{ response: LightMyRequestResponse; token: string; state: string; cookie: string }> {
  const started = await login(app, platform);
  if (!started.state) throw new Error(`login failed: ${started.response.statusCode} ${started.response.body}`);
  const token = await platform.sign(f.payload, { header: f.header, keep: f.keep, nonce: started.nonce });
  const response = await postLaunch(app, { id_token: token, state: started.state }, started.cookie, accept);
  return { response, token, state: started.state, cookie: started.cookie };
}

/** Registers the mock platform with Class Assist through the admin API (as an LMS admin would); fails if refused. */
export async function registerPlatform(
  app: FastifyInstance,
  agentkitSecret: string,
  platform: MockPlatform,
): Promise<void> {
  const added = await app.inject({
    method: 'POST',
    url: '/api/admin/lti/platforms',
    headers: { authorization: `Bearer ${agentkitSecret}`, 'content-type': 'application/json' },
    payload: platform.registration,
  });
  if (added.statusCode !== 201)
    throw new Error(`registering the mock platform failed: ${added.statusCode} ${added.body}`);
}
