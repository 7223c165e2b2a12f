/**
 * Fuzzing the nine functions over HTTP (`POST /api/agentkit/{name}`, the trusted service's secret): arbitrary JSON,
 * the real keys with hostile values, plausible bodies that reach the database, raw bytes and wrong content types.
 * Every answer is below 500, arrives in time, and is a JSON `{error, message}` when it is an error; nothing is logged
 * at error level. 1,000 cases per function (`FUZZ_RUNS` in `npm run fuzz`), with a fixed seed.
 */
import { FUNCTION_NAMES } from '@class-assist/contracts';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSlides, buildTestApp, DEMO_LECTURE, TEST_SECRET, type TestApp } from '../helpers/app.js';
import {
  anyPayload,
  describeRequest,
  expectNoErrorLogs,
  expectWellFormed,
  FUZZ_COURSE,
  functionBody,
  hostileString,
  PARAMS,
  pathSegment,
  RUNS,
  TIMEOUT_MS,
  withinTimeout,
} from './arbitraries.js';

let t: TestApp;

beforeAll(async () => {
  t = await buildTestApp();
  await addSlides(t.pool, FUZZ_COURSE, DEMO_LECTURE);
});
afterAll(async () => {
  await t?.close();
});

describe(`POST /api/agentkit/{name}: ${RUNS} bodies per function`, () => {
  for (const name of FUNCTION_NAMES) {
    it(
      name,
      async () => {
        await fc.assert(
          fc.asyncProperty(anyPayload(functionBody(name)), async ({ payload, type }) => {
            const url = `/api/agentkit/${name}`;
            const what = describeRequest('POST', url, payload, type);
            const from = t.logs.length;
            const response = await withinTimeout(
              t.app.inject({
                method: 'POST',
                url,
                headers: {
                  authorization: `Bearer ${TEST_SECRET}`,
                  ...(type === undefined ? {} : { 'content-type': type }),
                },
                payload,
              }),
              what,
            );
            expectNoErrorLogs(t.logs, from, what);
            expectWellFormed(response, what);
          }),
          PARAMS,
        );
      },
      TIMEOUT_MS,
    );
  }

  it(
    'unknown names, odd paths and headers',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(hostileString, fc.constantFrom(...FUNCTION_NAMES)),
          fc.boolean(),
          fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
          fc.oneof(
            fc.constant(`Bearer ${TEST_SECRET}`),
            hostileString.map((s) => `Bearer ${s}`),
            hostileString,
          ),
          fc.option(fc.string({ maxLength: 64 }), { nil: undefined }),
          async (name, raw, method, authorization, idempotencyKey) => {
            const url = `/api/agentkit/${pathSegment(name, raw)}`;
            const what = `${method} ${url} auth=${JSON.stringify(authorization).slice(0, 80)} key=${JSON.stringify(idempotencyKey)}`;
            const from = t.logs.length;
            const headers: Record<string, string> = { 'content-type': 'application/json' };
            // Header values must be visible ASCII on the wire; anything else is not a request a socket would carry.
            if (/^[\x20-\x7e]*$/.test(authorization)) headers.authorization = authorization;
            if (idempotencyKey !== undefined && /^[\x20-\x7e]*$/.test(idempotencyKey))
              headers['idempotency-key'] = idempotencyKey;
            const response = await withinTimeout(
              t.app.inject({
                method,
                url,
                headers,
                ...(method === 'GET' || method === 'HEAD'
                  ? {}
                  : { payload: JSON.stringify({ course_id: FUZZ_COURSE }) }),
              }),
              what,
            );
            expectNoErrorLogs(t.logs, from, what);
            expect(response.statusCode, what).toBeLessThan(500);
            if (response.statusCode >= 400 && method !== 'HEAD') expectWellFormed(response, what);
          },
        ),
        PARAMS,
      );
    },
    TIMEOUT_MS,
  );
});
