/**
 * Fuzzing the LTI endpoints a browser or platform reaches (`GET|POST /lti/login`, `POST /lti/launch` with arbitrary
 * `id_token` and `state` — junk, JWT-shaped junk, and tokens really signed by a registered mock platform with hostile
 * claims — and `POST /lti/deep-link`) and the admin API (material upload, LMS connection, roster, LTI platforms).
 * Every answer is below 500, in time, and nothing is logged at error level. LTI refusals are the documented error page
 * (lti/error-page.ts: HTML, or JSON `{error, reason, message}` when the client accepts JSON); admin errors are JSON
 * `{error, message}`.
 */

import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSlides, buildTestApp, DEMO_LECTURE, TEST_SECRET, type TestApp } from '../helpers/app.js';
import {
  fixture,
  LTI,
  login,
  type MockPlatform,
  registerPlatform,
  startMockPlatform,
} from '../helpers/lti-platform.js';
import {
  anyPayload,
  contentType,
  describeRequest,
  expectNoErrorLogs,
  expectWellFormed,
  FUZZ_COURSE,
  hostileString,
  hostileValue,
  PARAMS,
  pathSegment,
  RUNS,
  rawBody,
  TIMEOUT_MS,
  withinTimeout,
} from './arbitraries.js';

let t: TestApp;
let platform: MockPlatform;

beforeAll(async () => {
  platform = await startMockPlatform();
  t = await buildTestApp();
  await registerPlatform(t.app, t.config.agentkitSecret, platform);
  await addSlides(t.pool, FUZZ_COURSE, DEMO_LECTURE);
});
afterAll(async () => {
  await t?.close();
  await platform?.close();
});

/**
 * LTI answers: below 500; a refusal is the error page, or its JSON when asked for — or, refused before the route
 * (a body over the limit: 413, an unparsable body), our JSON error.
 */
function expectLtiWellFormed(response: LightMyRequestResponse, what: string, wantsJson: boolean): void {
  const context = `${what} → ${response.statusCode} ${response.body.slice(0, 300)}`;
  expect(response.statusCode, context).toBeLessThan(500);
  if (response.statusCode < 400) return;
  if (wantsJson || String(response.headers['content-type']).startsWith('application/json')) {
    expectWellFormed(response, what);
  } else {
    expect(String(response.headers['content-type']), context).toMatch(/^text\/html/);
    expect(response.body, context).toContain('Class Assist could not open');
  }
}

const accept = fc.constantFrom(undefined, 'application/json', 'text/html', '*/*');
/** Login parameters: the registered platform's mostly, hostile ones too. */
const loginParams = () =>
  fc.record(
    {
      iss: fc.oneof(fc.constant(platform.registration.issuer), hostileString),
      client_id: fc.oneof(fc.constant('imstester_3dfad6d'), hostileString),
      login_hint: hostileString,
      target_link_uri: fc.oneof(
        fc.constantFrom(
          'http://localhost:4000/',
          'http://localhost:4000/x?y',
          'javascript:alert(1)',
          'http://evil.example/',
        ),
        hostileString,
      ),
      lti_message_hint: hostileString,
      lti_deployment_id: fc.oneof(fc.constant('testdeploy'), hostileString),
      lti_storage_target: fc.oneof(fc.constant('_parent'), hostileString),
    },
    { requiredKeys: [] },
  );

/** A form body from string values (other values as the platform would never send them: stringified). */
function form(values: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values))
    params.set(key, typeof value === 'string' ? value : (JSON.stringify(value) ?? ''));
  return params.toString();
}

describe(`LTI endpoints: ${RUNS} requests per target`, () => {
  it(
    'GET and POST /lti/login with arbitrary parameters',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('GET', 'POST'),
          fc.oneof(
            { weight: 5, arbitrary: loginParams() },
            { weight: 1, arbitrary: fc.dictionary(hostileString, hostileString, { maxKeys: 5 }) },
          ),
          accept,
          async (method, params, acceptHeader) => {
            const query = form(params);
            const url = method === 'GET' ? `/lti/login?${query}` : '/lti/login';
            const what = describeRequest(method, url, method === 'POST' ? query : '', acceptHeader);
            const from = t.logs.length;
            const response = await withinTimeout(
              t.app.inject({
                method,
                url,
                headers: {
                  ...(acceptHeader ? { accept: acceptHeader } : {}),
                  ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
                },
                ...(method === 'POST' ? { payload: query } : {}),
              }),
              what,
            );
            expectNoErrorLogs(t.logs, from, what);
            expectLtiWellFormed(response, what, acceptHeader === 'application/json');
          },
        ),
        PARAMS,
      );
    },
    TIMEOUT_MS,
  );

  it(
    'POST /lti/launch with arbitrary id_token and state',
    async () => {
      const base = fixture('valid', 'Launch LTI 1.3 Message as Student').payload;
      const instructor = fixture('valid', 'Launch Instructor with Multiple Role Values').payload;
      const claims = fc.record(
        {
          sub: hostileValue,
          name: hostileValue,
          email: hostileValue,
          [`${LTI}roles`]: fc.oneof(
            fc.array(
              fc.oneof(
                hostileString,
                fc.constantFrom('http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor', 'Learner'),
              ),
            ),
            hostileValue,
          ),
          [`${LTI}context`]: fc.oneof(
            fc.record({ id: hostileValue, title: hostileValue, label: hostileValue }, { requiredKeys: [] }),
            hostileValue,
          ),
          [`${LTI}resource_link`]: fc.oneof(
            fc.record({ id: hostileValue, title: hostileValue }, { requiredKeys: [] }),
            hostileValue,
          ),
          [`${LTI}message_type`]: fc.oneof(
            fc.constantFrom('LtiResourceLinkRequest', 'LtiDeepLinkingRequest'),
            hostileValue,
          ),
          [`${LTI}version`]: fc.oneof(fc.constant('1.3.0'), hostileValue),
          [`${LTI}deployment_id`]: fc.oneof(fc.constant('testdeploy'), hostileValue),
          [`${LTI}target_link_uri`]: hostileValue,
          'https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice': hostileValue,
          'https://purl.imsglobal.org/spec/lti-ags/claim/endpoint': hostileValue,
          'https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings': hostileValue,
        },
        { requiredKeys: [] },
      );
      const b64 = (value: unknown) => Buffer.from(JSON.stringify(value) ?? '').toString('base64url');
      const token = fc.oneof(
        { weight: 1, arbitrary: hostileString },
        {
          weight: 1,
          arbitrary: fc
            .tuple(
              fc.oneof(
                fc.constant({ alg: 'none' }),
                fc.constant({ alg: 'RS256', kid: 'nope' }),
                fc.constant({ alg: 'HS256' }),
                hostileValue,
              ),
              hostileValue,
              fc.string({ maxLength: 20 }),
            )
            .map(([header, payload, signature]) => `${b64(header)}.${b64(payload)}.${signature}`),
        },
        // Really signed by the registered platform: the hostile part is in the claims.
        {
          weight: 3,
          arbitrary: fc.record({ signed: fc.constant(true), role: fc.constantFrom(base, instructor), claims }),
        },
      );
      await fc.assert(
        fc.asyncProperty(
          token,
          fc.constantFrom('real', 'real-no-cookie', 'hostile'),
          hostileString,
          accept,
          fc.option(fc.record({ error: hostileString, error_description: hostileString }), {
            freq: 10,
            nil: undefined,
          }),
          async (idToken, stateKind, hostileState, acceptHeader, platformError) => {
            const started = stateKind === 'hostile' ? undefined : await login(t.app, platform);
            const state = started?.state ?? hostileState;
            const signed =
              typeof idToken === 'string'
                ? idToken
                : await platform.sign({ ...idToken.role, ...idToken.claims }, { nonce: started?.nonce ?? 'nonce' });
            const payload = form({ id_token: signed, state, ...(platformError ?? {}) });
            const what = describeRequest('POST', '/lti/launch', payload, acceptHeader);
            const from = t.logs.length;
            const response = await withinTimeout(
              t.app.inject({
                method: 'POST',
                url: '/lti/launch',
                headers: {
                  'content-type': 'application/x-www-form-urlencoded',
                  ...(acceptHeader ? { accept: acceptHeader } : {}),
                  ...(stateKind === 'real' && started ? { cookie: started.cookie } : {}),
                },
                payload,
              }),
              what,
            );
            expectNoErrorLogs(t.logs, from, what);
            expectLtiWellFormed(response, what, acceptHeader === 'application/json');
          },
        ),
        PARAMS,
      );
    },
    TIMEOUT_MS,
  );

  it(
    'POST /lti/launch, /lti/login and /lti/deep-link with raw bodies and any content type',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('/lti/launch', '/lti/login', '/lti/deep-link'),
          fc.oneof(rawBody, fc.dictionary(hostileString, hostileString).map(form)),
          contentType,
          accept,
          async (url, payload, type, acceptHeader) => {
            const what = describeRequest('POST', url, payload, type);
            const from = t.logs.length;
            const response = await withinTimeout(
              t.app.inject({
                method: 'POST',
                url,
                headers: {
                  ...(type === undefined ? {} : { 'content-type': type }),
                  ...(acceptHeader ? { accept: acceptHeader } : {}),
                },
                payload,
              }),
              what,
            );
            expectNoErrorLogs(t.logs, from, what);
            expect(response.statusCode, `${what} → ${response.statusCode} ${response.body.slice(0, 300)}`).toBeLessThan(
              500,
            );
            // Refused before the route (415, 413, 400 bad body): our JSON error; refused by the route: the error page.
            if (response.statusCode >= 400 && String(response.headers['content-type']).startsWith('application/json')) {
              expectWellFormed(response, what);
            }
          },
        ),
        PARAMS,
      );
    },
    TIMEOUT_MS,
  );
});

/** An admin request with the service secret; JSON answers below 500, errors `{error, message}`. */
async function adminRequest(
  method: 'POST' | 'PUT' | 'GET' | 'DELETE',
  url: string,
  payload: string | Buffer | undefined,
  type: string | undefined,
): Promise<void> {
  const what = describeRequest(method, url, payload ?? '', type);
  const from = t.logs.length;
  const response = await withinTimeout(
    t.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${TEST_SECRET}`, ...(type === undefined ? {} : { 'content-type': type }) },
      ...(payload === undefined ? {} : { payload }),
    }),
    what,
  );
  expectNoErrorLogs(t.logs, from, what);
  expectWellFormed(response, what);
}

const courseSegment = fc.oneof(
  { weight: 3, arbitrary: fc.constant(FUZZ_COURSE) },
  { weight: 1, arbitrary: fc.tuple(hostileString, fc.boolean()).map(([value, raw]) => pathSegment(value, raw) || 'x') },
);

describe(`the admin API: ${RUNS} requests per target`, () => {
  it(
    'POST /api/admin/courses/{id}/material: Markdown, PDF-ish bytes, anything',
    async () => {
      const markdown = fc
        .array(fc.record({ title: hostileString, topic: fc.option(hostileString), notes: hostileString }), {
          maxLength: 6,
        })
        .map((slides) =>
          slides
            .map((s) => `## ${s.title}\n\n${s.topic === null ? '' : `Topic: ${s.topic}\n\n`}${s.notes}\n`)
            .join('\n'),
        );
      const pdfish = fc
        .tuple(
          fc.constantFrom('%PDF-1.4\n', '%PDF-1.7\n%\xE2\xE3\xCF\xD3\n', '', '%PDF-'),
          fc.uint8Array({ maxLength: 400 }),
          fc.constantFrom('', '\n%%EOF\n', 'trailer\n<< /Root 1 0 R >>\n%%EOF'),
        )
        .map(([head, bytes, tail]) =>
          Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(bytes), Buffer.from(tail, 'latin1')]),
        );
      const body = fc.oneof(
        {
          weight: 3,
          arbitrary: fc.record({
            payload: fc.oneof(markdown, hostileString, rawBody),
            type: fc.constant('text/markdown'),
          }),
        },
        {
          weight: 2,
          arbitrary: fc.record({ payload: fc.oneof(pdfish, rawBody), type: fc.constant('application/pdf') }),
        },
        { weight: 1, arbitrary: fc.record({ payload: fc.oneof(markdown, rawBody), type: contentType }) },
      );
      await fc.assert(
        fc.asyncProperty(courseSegment, body, async (id, { payload, type }) => {
          await adminRequest('POST', `/api/admin/courses/${id}/material`, payload, type);
        }),
        PARAMS,
      );
    },
    TIMEOUT_MS,
  );

  it(
    'PUT/GET/DELETE /api/admin/courses/{id}/lms',
    async () => {
      const connection = fc.record(
        {
          kind: fc.oneof(fc.constantFrom('canvas', 'moodle'), hostileValue),
          base_url: fc.oneof(
            fc.constantFrom('https://canvas.example.edu', 'http://127.0.0.1:1/', 'ftp://x', 'https://'),
            hostileValue,
          ),
          token: hostileValue,
          lms_course_id: fc.oneof(fc.constant('42'), hostileValue),
        },
        { requiredKeys: [] },
      );
      await fc.assert(
        fc.asyncProperty(
          courseSegment,
          fc.constantFrom('PUT', 'GET', 'DELETE'),
          anyPayload(fc.oneof({ weight: 3, arbitrary: connection }, { weight: 1, arbitrary: hostileValue })),
          async (id, method, { payload, type }) => {
            await adminRequest(
              method as 'PUT',
              `/api/admin/courses/${id}/lms`,
              method === 'PUT' ? payload : undefined,
              method === 'PUT' ? type : undefined,
            );
          },
        ),
        PARAMS,
      );
    },
    TIMEOUT_MS,
  );

  it(
    'PUT /api/admin/courses/{id}/roster',
    async () => {
      const person = fc.record(
        {
          user_id: fc.oneof(fc.constantFrom('ada', 'alan'), hostileValue),
          lms_user_id: fc.oneof(fc.constantFrom('101', '102'), hostileValue),
          name: hostileValue,
          email: hostileValue,
          role: fc.oneof(fc.constantFrom('student', 'instructor'), hostileValue),
        },
        { requiredKeys: [] },
      );
      await fc.assert(
        fc.asyncProperty(
          courseSegment,
          anyPayload(
            fc.oneof(
              { weight: 3, arbitrary: fc.array(person, { maxLength: 5 }) },
              { weight: 1, arbitrary: hostileValue },
            ),
          ),
          async (id, { payload, type }) => {
            await adminRequest('PUT', `/api/admin/courses/${id}/roster`, payload, type);
          },
        ),
        PARAMS,
      );
    },
    TIMEOUT_MS,
  );

  it(
    'POST/DELETE /api/admin/lti/platforms',
    async () => {
      const registration = fc.record(
        {
          issuer: fc.oneof(fc.constant('https://lms.example.edu'), hostileValue),
          client_id: fc.oneof(fc.constant('client-1'), hostileValue),
          auth_login_url: fc.oneof(fc.constant('https://lms.example.edu/auth'), hostileValue),
          auth_token_url: fc.oneof(fc.constant('https://lms.example.edu/token'), hostileValue),
          jwks_url: fc.oneof(fc.constant('https://lms.example.edu/jwks'), hostileValue),
          deployment_ids: fc.oneof(fc.array(hostileString, { maxLength: 3 }), hostileValue),
        },
        { requiredKeys: [] },
      );
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('POST', 'DELETE'),
          anyPayload(fc.oneof({ weight: 3, arbitrary: registration }, { weight: 1, arbitrary: hostileValue })),
          hostileString,
          hostileString,
          async (method, { payload, type }, issuer, clientId) => {
            if (method === 'POST') await adminRequest('POST', '/api/admin/lti/platforms', payload, type);
            else
              await adminRequest(
                'DELETE',
                `/api/admin/lti/platforms?${new URLSearchParams({ issuer, client_id: clientId })}`,
                undefined,
                undefined,
              );
          },
        ),
        PARAMS,
      );
    },
    TIMEOUT_MS,
  );
});
