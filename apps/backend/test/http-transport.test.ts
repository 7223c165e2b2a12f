/**
 * The HTTP transport of the nine functions (DESIGN.md, "Contract"): authentication, unknown names, content types,
 * body size, schema validation and the shape of every error, for each function in turn. Never a 500 for bad input.
 */
import { FUNCTION_DEFINITIONS, FUNCTION_NAMES, type FunctionName } from '@class-assist/contracts';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, TEST_SECRET, type TestApp, uniqueId } from './helpers/app.js';

const LIMIT = 64 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Interventions need the course's LMS: these test courses have none, so they answer 409 with what to set up. */
const NEEDS_LMS: readonly FunctionName[] = ['notify_students_via_lms', 'assign_remedial_quiz'];

/** A body each function accepts: every required parameter, with values the specification's descriptions allow. */
function validBody(name: FunctionName): Record<string, unknown> {
  const course_id = uniqueId('course');
  const user_id = uniqueId('user');
  switch (name) {
    case 'track_confusion':
      return { user_id, course_id, slide_id: 'slide-1' };
    case 'submit_question':
      return { user_id, course_id, question_body: 'Why is the base case needed?' };
    case 'generate_quiz':
      return { user_id, course_id, focus: 'confusion-zones' };
    case 'explain_topic':
      return { user_id, course_id, topic: 'recursion' };
    case 'fetch_notes':
      return { user_id, course_id };
    case 'get_confusion_heatmap':
      return { course_id, time_range: 'today' };
    case 'export_confusion_data':
      return { course_id, format: 'csv' };
    case 'notify_students_via_lms':
      return { course_id, recipient_filter: 'confused_students', message: 'Office hours at 3pm.' };
    case 'assign_remedial_quiz':
      return { course_id, quiz_type: 'remedial', topics: ['recursion'] };
  }
}

function definitionOf(name: FunctionName) {
  const definition = FUNCTION_DEFINITIONS.find((fn) => fn.name === name);
  if (!definition) throw new Error(`no definition for ${name}`);
  return definition;
}

/** A value of the wrong JSON type for a parameter of the given schema type. */
function wrongTypeFor(type: string | undefined): unknown {
  switch (type) {
    case 'string':
      return 42;
    case 'boolean':
      return 'yes';
    case 'array':
      return 'recursion';
    default:
      throw new Error(`no wrong value prepared for type ${type}`);
  }
}

/** Every error: its status, a JSON body with `error` and `message`, and a request id. */
function expectError(response: LightMyRequestResponse, status: number, error: string) {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const body = response.json();
  expect(body.error).toBe(error);
  expect(typeof body.message).toBe('string');
  expect(body.message.length).toBeGreaterThan(0);
  expect(response.headers['x-request-id']).toEqual(expect.any(String));
  return body as { error: string; message: string; details?: Array<{ path: string; message: string }> };
}

/** A 400 whose details name `path` with a message. */
function expectInvalid(response: LightMyRequestResponse, path: string) {
  const body = expectError(response, 400, 'validation_failed');
  expect(Array.isArray(body.details)).toBe(true);
  for (const detail of body.details ?? []) {
    expect(typeof detail.path).toBe('string');
    expect(typeof detail.message).toBe('string');
    expect(detail.message.length).toBeGreaterThan(0);
  }
  expect(body.details?.map((d) => d.path)).toContain(path);
  return body;
}

describe('POST /api/agentkit/{name}', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(() => t.close());

  const post = (
    name: string,
    payload: string,
    headers: Record<string, string | undefined>,
    options: { remoteAddress?: string } = {},
  ) => {
    const defined = Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined)) as Record<
      string,
      string
    >;
    return t.app.inject({ method: 'POST', url: `/api/agentkit/${name}`, headers: defined, payload, ...options });
  };
  const json = { 'content-type': 'application/json' };
  const bearer = { authorization: `Bearer ${TEST_SECRET}` };

  describe.each(FUNCTION_NAMES.map((name) => [name]))('%s', (name) => {
    const definition = definitionOf(name);

    it('answers a valid body (200, or 409 naming the missing LMS connection)', async () => {
      const response = await t.call(name, validBody(name));
      expect(response.headers['x-request-id']).toMatch(UUID);
      if (NEEDS_LMS.includes(name)) {
        const body = expectError(response, 409, 'conflict');
        expect(body.message).toMatch(/no LMS connection/);
      } else {
        expect(response.statusCode, response.body).toBe(200);
        if (name === 'export_confusion_data') {
          expect(response.headers['content-type']).toMatch(/^text\/csv/);
          expect(response.body.split('\n')[0]).toContain('event_id');
        } else {
          expect(response.headers['content-type']).toMatch(/^application\/json/);
          expect(response.json()).toEqual(expect.any(Object));
        }
      }
    });

    it('accepts application/json with parameters (charset)', async () => {
      const response = await post(name, JSON.stringify(validBody(name)), {
        ...bearer,
        'content-type': 'application/json; charset=utf-8',
      });
      expect(response.statusCode, response.body).toBe(NEEDS_LMS.includes(name) ? 409 : 200);
    });

    it('refuses 401 without Authorization, with a wrong secret, or with a scheme other than Bearer', async () => {
      const payload = JSON.stringify(validBody(name));
      const attempts: Array<string | undefined> = [
        undefined,
        '',
        'Bearer',
        'Bearer ',
        `Bearer ${TEST_SECRET}x`,
        `Bearer ${TEST_SECRET.slice(0, -1)}`,
        'Bearer wrong-secret',
        `Basic ${Buffer.from(`agent:${TEST_SECRET}`).toString('base64')}`,
        `Token ${TEST_SECRET}`,
        TEST_SECRET,
        `Bearer ${TEST_SECRET} extra`,
      ];
      for (const authorization of attempts) {
        const response = await post(name, payload, { ...json, authorization });
        const body = expectError(response, 401, 'unauthorized');
        expect(response.headers['www-authenticate']).toBe('Bearer realm="class-assist"');
        // The error never echoes the secret back.
        expect(response.body).not.toContain(TEST_SECRET);
        expect(body.details).toBeUndefined();
      }
    });

    it('checks the secret before the content type and the size of the body', async () => {
      expectError(await post(name, 'hello', { 'content-type': 'text/plain' }), 401, 'unauthorized');
      expectError(await post(name, JSON.stringify({ pad: 'x'.repeat(LIMIT) }), json), 401, 'unauthorized');
    });

    it('refuses 415 for text/plain, form-urlencoded and a missing content type', async () => {
      const payload = JSON.stringify(validBody(name));
      for (const contentType of [
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/jsonx',
        undefined,
      ]) {
        const response = await post(name, payload, { ...bearer, 'content-type': contentType });
        expectError(response, 415, 'unsupported_media_type');
      }
      // Checked before the size of the body.
      const big = JSON.stringify({ ...validBody(name), pad: 'x'.repeat(LIMIT) });
      expectError(await post(name, big, { ...bearer, 'content-type': 'text/plain' }), 415, 'unsupported_media_type');
    });

    it('refuses 413 for a body over 64 KiB, and reads one of exactly 64 KiB', async () => {
      const base = JSON.stringify({ ...validBody(name), pad: '' });
      const exactly = base.replace('"pad":""', `"pad":"${'x'.repeat(LIMIT - base.length)}"`);
      expect(Buffer.byteLength(exactly)).toBe(LIMIT);
      // At the limit the body is read and then refused for its unknown parameter, not for its size.
      expectInvalid(await t.call(name, exactly), 'pad');
      const over = base.replace('"pad":""', `"pad":"${'x'.repeat(LIMIT - base.length + 1)}"`);
      expect(Buffer.byteLength(over)).toBe(LIMIT + 1);
      expectError(await t.call(name, over), 413, 'payload_too_large');
      expectError(await t.call(name, JSON.stringify({ pad: 'x'.repeat(1024 * 1024) })), 413, 'payload_too_large');
    });

    it.each(definition.parameters.required.map((field) => [field]))(
      'refuses 400 when the required %s is missing',
      async (field) => {
        const body = validBody(name);
        delete body[field];
        const error = expectInvalid(await t.call(name, body), field);
        expect(error.message).toContain(field);
      },
    );

    it('refuses 400 for a parameter of the wrong type, naming it', async () => {
      for (const [field, schema] of Object.entries(definition.parameters.properties)) {
        const body = { ...validBody(name), [field]: wrongTypeFor(schema.type) };
        expectInvalid(await t.call(name, body), field);
        expectInvalid(await t.call(name, { ...validBody(name), [field]: null }), field);
      }
    });

    it('refuses 400 for a value outside an enumeration', async () => {
      const enumerated = Object.entries(definition.parameters.properties).filter(([, schema]) => schema.enum);
      if (name === 'get_confusion_heatmap') enumerated.push(['time_range', {}]);
      for (const [field] of enumerated) {
        expectInvalid(await t.call(name, { ...validBody(name), [field]: 'not-a-choice' }), field);
      }
    });

    it('refuses 400 for an unknown property, naming it', async () => {
      const error = expectInvalid(await t.call(name, { ...validBody(name), colour: 'blue' }), 'colour');
      expect(error.details).toHaveLength(1);
    });

    it('refuses 400 for an empty string id', async () => {
      const ids = Object.keys(definition.parameters.properties).filter((field) => field.endsWith('_id'));
      expect(ids).toContain('course_id');
      for (const field of ids) {
        expectInvalid(await t.call(name, { ...validBody(name), [field]: '' }), field);
      }
    });

    it('refuses 400 for a body that is not a JSON object, malformed or empty', async () => {
      for (const payload of ['[]', JSON.stringify([validBody(name)]), 'null', '42', '"text"', 'true']) {
        expectInvalid(await t.call(name, payload), '');
      }
      for (const payload of ['{', '{"course_id": }', "{'course_id': 'c'}", '{"course_id":"c",}', 'not json']) {
        expectInvalid(await t.call(name, payload), '');
      }
      expectInvalid(await t.call(name, ''), '');
      expectInvalid(await t.call(name, '   '), '');
    });

    it('never answers 500 for hostile input', async () => {
      const hostile: string[] = [
        `{"__proto__":{"admin":true},${JSON.stringify(validBody(name)).slice(1)}`,
        `{"constructor":{"prototype":{"admin":true}},${JSON.stringify(validBody(name)).slice(1)}`,
        `${'['.repeat(5000)}${']'.repeat(5000)}`,
        JSON.stringify({ ...validBody(name), course_id: 'c\u0000ourse' }),
        JSON.stringify({ ...validBody(name), course_id: 'x'.repeat(256) }),
        JSON.stringify({ ...validBody(name), course_id: { $ne: null } }),
        '{"course_id":"\\ud800"}',
      ];
      // Every text parameter with characters PostgreSQL cannot store (NUL) or that are unpaired surrogates.
      for (const [field, schema] of Object.entries(definition.parameters.properties)) {
        if (schema.type === 'string' && !schema.enum) {
          hostile.push(JSON.stringify({ ...validBody(name), [field]: 'before\u0000after' }));
          hostile.push(
            `${JSON.stringify({ ...validBody(name), [field]: undefined }).slice(0, -1)},"${field}":"a\\udc00b"}`,
          );
        }
        if (schema.type === 'array') hostile.push(JSON.stringify({ ...validBody(name), [field]: ['ok', 'a\u0000b'] }));
      }
      for (const payload of hostile) {
        const response = await t.call(name, payload);
        const expected = NEEDS_LMS.includes(name) ? [200, 400, 409] : [200, 400];
        expect(expected, `${payload.slice(0, 80)} → ${response.body}`).toContain(response.statusCode);
        if (response.statusCode !== 200) expect(response.json().error).toEqual(expect.any(String));
      }
    });
  });

  describe('unknown function names', () => {
    it.each([['no_such_function'], ['Track_Confusion'], ['track_confusion_'], ['__proto__'], ['constructor']])(
      'answers 404 unknown_function for %s',
      async (name) => {
        const response = await t.call(name, { course_id: 'c', user_id: 'u' });
        const body = expectError(response, 404, 'unknown_function');
        expect(body.message).toContain(name);
      },
    );

    it('answers 404 before looking at the content type or the size of the body', async () => {
      for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', undefined]) {
        const response = await post('no_such_function', 'course_id=c', { ...bearer, 'content-type': contentType });
        expectError(response, 404, 'unknown_function');
      }
      const big = JSON.stringify({ pad: 'x'.repeat(2 * LIMIT) });
      expectError(await post('no_such_function', big, { ...bearer, ...json }), 404, 'unknown_function');
      expectError(await post('no_such_function', '{', { ...bearer, ...json }), 404, 'unknown_function');
    });

    it('still wants the secret first', async () => {
      expectError(await post('no_such_function', '{}', json), 401, 'unauthorized');
    });
  });

  describe('every response', () => {
    it('carries x-request-id: a fresh one per request, or the caller’s own', async () => {
      const first = await t.call('fetch_notes', validBody('fetch_notes'));
      const second = await t.call('fetch_notes', validBody('fetch_notes'));
      expect(first.headers['x-request-id']).toMatch(UUID);
      expect(second.headers['x-request-id']).toMatch(UUID);
      expect(first.headers['x-request-id']).not.toBe(second.headers['x-request-id']);

      const own = await t.call('fetch_notes', validBody('fetch_notes'), { 'x-request-id': 'trace-42' });
      expect(own.headers['x-request-id']).toBe('trace-42');
      // Anything but a plain token (a log-injection attempt, an oversized value) is replaced by a fresh id.
      for (const hostile of ['a\tb', 'x'.repeat(129), 'id with spaces', '<script>']) {
        const replaced = await t.call('fetch_notes', validBody('fetch_notes'), { 'x-request-id': hostile });
        expect(replaced.headers['x-request-id']).toMatch(UUID);
      }
      for (const response of [
        await post('fetch_notes', '{}', json),
        await post('no_such_function', '{}', { ...bearer, ...json }),
        await post('fetch_notes', '{}', { ...bearer, 'content-type': 'text/plain' }),
        await t.call('fetch_notes', '{'),
        await t.call('notify_students_via_lms', validBody('notify_students_via_lms')),
      ]) {
        expect(response.headers['x-request-id']).toMatch(UUID);
      }
    });

    it('never logs the bearer secret', async () => {
      await post('fetch_notes', '{}', { ...json, authorization: 'Bearer wrong-secret-value' });
      await t.call('fetch_notes', validBody('fetch_notes'));
      expect(t.logs.length).toBeGreaterThan(0);
      for (const line of t.logs) {
        expect(line).not.toContain(TEST_SECRET);
        expect(line).not.toContain('wrong-secret-value');
      }
    });
  });
});
