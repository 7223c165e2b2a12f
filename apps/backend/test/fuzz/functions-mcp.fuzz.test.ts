/**
 * Fuzzing the nine functions as MCP tools (`POST /mcp`, JSON-RPC `tools/call`, the trusted service's secret): the
 * same hostile arguments as the HTTP fuzz, plus arbitrary JSON-RPC messages. Every answer is below 500 and in time;
 * a JSON-RPC answer carries a result or an error; a failed tool call is an MCP error result whose text is our JSON
 * `{error, message}`; nothing is logged at error level.
 */
import { FUNCTION_NAMES } from '@class-assist/contracts';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSlides, buildTestApp, DEMO_LECTURE, TEST_SECRET, type TestApp } from '../helpers/app.js';
import {
  describeRequest,
  expectNoErrorLogs,
  expectWellFormed,
  FUZZ_COURSE,
  functionBody,
  hostileString,
  hostileValue,
  PARAMS,
  RUNS,
  rawBody,
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

async function post(payload: string | Buffer, what: string): Promise<LightMyRequestResponse> {
  return withinTimeout(
    t.app.inject({
      method: 'POST',
      url: '/mcp',
      headers: {
        authorization: `Bearer ${TEST_SECRET}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      payload,
    }),
    what,
  );
}

interface RpcAnswer {
  jsonrpc?: string;
  result?: { isError?: boolean; content?: Array<{ type: string; text?: string }> };
  error?: { code?: unknown; message?: unknown };
}

/** Below 500; our own refusals (401, 400, 413, 415) are our JSON; the rest is JSON-RPC with a result or an error. */
function expectMcpWellFormed(response: LightMyRequestResponse, what: string): void {
  const context = `${what} → ${response.statusCode} ${response.body.slice(0, 500)}`;
  expect(response.statusCode, context).toBeLessThan(500);
  if (response.body === '') return;
  const parsed = JSON.parse(response.body) as RpcAnswer | RpcAnswer[];
  if (!Array.isArray(parsed) && typeof parsed.error === 'string') {
    // Refused by our HTTP layer before MCP (401, 400 unparsable JSON, 413, 415): our JSON error.
    expectWellFormed(response, what);
    return;
  }
  for (const answer of Array.isArray(parsed) ? parsed : [parsed]) {
    expect(answer.jsonrpc, context).toBe('2.0');
    if (answer.error) {
      expect(typeof answer.error.code, context).toBe('number');
      expect(typeof answer.error.message, context).toBe('string');
      continue;
    }
    expect(answer.result, context).toBeDefined();
    if (answer.result?.isError) {
      const error = JSON.parse(answer.result.content?.[0]?.text ?? '') as { error?: unknown; message?: unknown };
      expect(typeof error.error, context).toBe('string');
      expect(typeof error.message, context).toBe('string');
      expect(error.error, context).not.toBe('internal');
    }
  }
}

describe(`MCP tools/call: ${RUNS} argument sets per tool`, () => {
  for (const name of FUNCTION_NAMES) {
    it(
      name,
      async () => {
        await fc.assert(
          fc.asyncProperty(
            functionBody(name, 'transport'),
            fc.oneof(fc.integer(), fc.string({ maxLength: 10 })),
            async (args, id) => {
              const payload = JSON.stringify({
                jsonrpc: '2.0',
                id,
                method: 'tools/call',
                params: { name, arguments: args },
              });
              const what = describeRequest('POST', '/mcp', payload, 'application/json');
              const from = t.logs.length;
              const response = await post(payload, what);
              expectNoErrorLogs(t.logs, from, what);
              expectMcpWellFormed(response, what);
            },
          ),
          PARAMS,
        );
      },
      TIMEOUT_MS,
    );
  }

  it(
    'arbitrary JSON-RPC messages and raw bodies',
    async () => {
      const message = fc.record(
        {
          jsonrpc: fc.oneof(fc.constant('2.0'), hostileValue),
          id: fc.oneof(fc.integer(), hostileValue),
          method: fc.oneof(
            fc.constantFrom(
              'tools/call',
              'tools/list',
              'initialize',
              'ping',
              'notifications/initialized',
              'resources/list',
            ),
            hostileString,
          ),
          params: fc.oneof(
            hostileValue,
            fc.record({ name: fc.oneof(fc.constantFrom(...FUNCTION_NAMES), hostileString), arguments: hostileValue }),
          ),
        },
        { requiredKeys: [] },
      );
      const body = fc.oneof(
        { weight: 4, arbitrary: message.map((m) => JSON.stringify(m)) },
        { weight: 1, arbitrary: fc.array(message, { maxLength: 3 }).map((m) => JSON.stringify(m)) },
        { weight: 2, arbitrary: rawBody },
      );
      await fc.assert(
        fc.asyncProperty(body, async (payload) => {
          const what = describeRequest('POST', '/mcp', payload, 'application/json');
          const from = t.logs.length;
          const response = await post(payload, what);
          expectNoErrorLogs(t.logs, from, what);
          expectMcpWellFormed(response, what);
        }),
        PARAMS,
      );
    },
    TIMEOUT_MS,
  );
});
