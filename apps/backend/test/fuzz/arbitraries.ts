/**
 * What the fuzz tests share: fast-check arbitraries of hostile input (huge and odd strings, lone surrogates, NUL,
 * extreme numbers, deep nesting, prototype keys), bodies shaped like each of the nine functions' parameters, and the
 * checks every answer must pass: no 5xx, no hang, every JSON error `{error, message}`, no error-level log line.
 */
import { FUNCTION_DEFINITIONS, type FunctionName } from '@class-assist/contracts';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';

/** Cases per target: 1,000 in `npm test`, `FUZZ_RUNS` (100,000 in `npm run fuzz`) when set. */
export const RUNS = Number(process.env.FUZZ_RUNS) || 1_000;
/** A test's time limit, scaled to the cases it runs. */
export const TIMEOUT_MS = 30_000 + RUNS * 25;
/** A fixed seed (FUZZ_SEED overrides it), so a failure reproduces; fast-check prints seed and path when one fails. */
export const SEED = Number(process.env.FUZZ_SEED) || 20_260_310;
/** fast-check parameters of every property. */
export const PARAMS: fc.Parameters<unknown> = { numRuns: RUNS, seed: SEED, endOnFailure: true };
/** A request that has not answered within this long is a hang. */
export const REQUEST_TIMEOUT_MS = 5_000;

/** The course the fuzz apps seed (slides slide-1…), so some bodies reach the database with a real course. */
export const FUZZ_COURSE = 'fuzz-course';

const LONE_SURROGATES = ['\uD800', '\uDBFF', '\uDC00', '\uDFFF', 'a\uD83D', '\uDE00b'];
const ODD_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\t\r\n',
  '\u007F',
  '\u202E',
  '\uFEFF',
  '\u{1F600}',
  'NaN',
  'Infinity',
  '-0',
  '1e308',
  'null',
  'undefined',
  'true',
  '__proto__',
  'constructor',
  'prototype',
  '../../etc/passwd',
  '%00',
  "'; DROP TABLE courses; --",
  '<script>alert(1)</script>',
  '=HYPERLINK("http://x")',
  '\u0024{jndi:ldap://x}',
  '{{7*7}}',
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999Z',
  '2026-02-30T10:00:00Z',
  '2026-03-10T10:00:00+14:00',
  '1970-01-01T00:00:00.000Z',
  'last_hour',
  'today',
  'this_week',
  'csv',
  'json',
  'confused_students',
  'all_students',
  'struggling_students',
  'remedial',
  'practice',
  'assessment',
  'confusion-zones',
  'recent-topics',
  'slide-1',
  'slide-999',
  FUZZ_COURSE,
  'demo',
];

/** Strings a hostile or careless client sends. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 4, arbitrary: fc.constantFrom(...ODD_STRINGS) },
  { weight: 2, arbitrary: fc.constantFrom(...LONE_SURROGATES) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.string({ maxLength: 4 }), fc.constantFrom(...LONE_SURROGATES, '\u0000'), fc.string({ maxLength: 4 }))
      .map((parts) => parts.join('')),
  },
  // Around the limits: ids (255), topics (200/500), questions (5,000), messages (10,000), the body (64 KiB).
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.constantFrom(199, 200, 201, 255, 256, 500, 501, 5_000, 5_001, 10_001, 70_000),
        fc.constantFrom('x', 'é', '😀', ' '),
      )
      .map(([n, c]) => c.repeat(n)),
  },
);

/** Numbers at the edges (and numbers dressed as strings). */
export const hostileNumber: fc.Arbitrary<number | string> = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, 0.5, 1e308, -1e308, 5e-324, Number.MAX_SAFE_INTEGER + 2, 2 ** 31, -(2 ** 63)),
  fc.double(),
  fc.integer(),
  fc.constantFrom('NaN', 'Infinity', '-Infinity', '1e308', '-0', '0x10'),
);

/** Any JSON-able value made of hostile leaves, nested a little. */
export const hostileValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    hostileNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(hostileString, fc.constantFrom('__proto__', 'constructor', 'toString')), tie('value'), {
      maxKeys: 4,
    }),
  ),
})).value;

const definition = (name: FunctionName) => {
  const found = FUNCTION_DEFINITIONS.find((fn) => fn.name === name);
  if (!found) throw new Error(`no definition ${name}`);
  return found;
};

/** A plausible value of one parameter: mostly what the schema asks for, sometimes a near miss. */
function plausible(key: string, schema: { type?: string; enum?: readonly unknown[] }): fc.Arbitrary<unknown> {
  if (schema.enum) return fc.oneof(fc.constantFrom(...schema.enum), hostileString);
  if (schema.type === 'boolean') return fc.oneof(fc.boolean(), fc.constantFrom('true', 'on', 1, 0));
  if (schema.type === 'array')
    return fc.array(fc.oneof(hostileString, fc.constantFrom('regression', 'loss')), { maxLength: 25 });
  if (key === 'course_id') return fc.oneof(fc.constant(FUZZ_COURSE), fc.constant('demo'), hostileString);
  if (key === 'slide_id') return fc.oneof(fc.constantFrom('slide-1', 'slide-2', 'slide-99'), hostileString);
  if (key === 'timestamp') {
    return fc.oneof(
      fc
        .date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true })
        .map((d) => d.toISOString()),
      hostileString,
    );
  }
  return fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), hostileString);
}

/**
 * Bodies for function `name`: any JSON value; the real keys with hostile values (and extra keys); the real keys with
 * plausible values, so many calls pass validation and reach the domain and the database. `reach: 'transport'` sends
 * fewer plausible bodies (a transport fuzzed after HTTP has already taken the domain through them).
 */
export function functionBody(name: FunctionName, reach: 'domain' | 'transport' = 'domain'): fc.Arbitrary<unknown> {
  const { properties, required = [] } = definition(name).parameters as {
    properties: Record<string, { type?: string; enum?: readonly unknown[] }>;
    required?: string[];
  };
  const keys = Object.keys(properties);
  const hostileRecord = fc.record(Object.fromEntries(keys.map((k) => [k, hostileValue])), {
    requiredKeys: [],
  });
  const plausibleRecord = fc.record(Object.fromEntries(keys.map((k) => [k, plausible(k, properties[k] ?? {})])), {
    requiredKeys: required,
  });
  const extraKeys = fc.dictionary(
    fc.oneof(hostileString, fc.constantFrom('__proto__', 'constructor', 'limit', 'cursor')),
    hostileValue,
    { maxKeys: 3 },
  );
  return fc.oneof(
    { weight: 2, arbitrary: fc.jsonValue() },
    { weight: 4, arbitrary: hostileRecord },
    { weight: reach === 'domain' ? 2 : 1, arbitrary: plausibleRecord },
    { weight: 1, arbitrary: fc.tuple(plausibleRecord, extraKeys).map(([body, extra]) => ({ ...extra, ...body })) },
  );
}

/** Raw bodies that are not (valid) JSON, or JSON that parsers trip over. */
export const rawBody: fc.Arbitrary<string | Buffer> = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
  fc.constantFrom(
    '',
    '{',
    '}',
    'null',
    '[]',
    '"x"',
    '1e309',
    '-0',
    'NaN',
    '{"a":1,}',
    '{"__proto__":{"polluted":true}}',
    '{"constructor":{"prototype":{"polluted":true}}}',
    '{"course_id":"\\u0000"}',
    '{"course_id":"\\ud800"}',
    '\uFEFF{}',
  ),
  fc.integer({ min: 1, max: 20_000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
  fc.integer({ min: 1, max: 20_000 }).map((depth) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
);

/** Content types, right and wrong. */
export const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  fc.constantFrom(
    undefined,
    'application/json',
    'application/json; charset=utf-8',
    'APPLICATION/JSON',
    'application/json; charset=latin1',
    'application/json; charset=utf-16',
    'text/plain',
    'text/markdown',
    'application/pdf',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/octet-stream',
    '',
    ';',
    'application/json;;;',
  ),
  fc.string({ maxLength: 30 }),
);

/** Bodies with the right keys as JSON, or raw bytes under an arbitrary content type. */
export function anyPayload(json: fc.Arbitrary<unknown>): fc.Arbitrary<{ payload: string | Buffer; type?: string }> {
  return fc.oneof(
    {
      weight: 5,
      arbitrary: json.map((value) => ({ payload: JSON.stringify(value) ?? 'null', type: 'application/json' })),
    },
    { weight: 2, arbitrary: fc.record({ payload: rawBody, type: fc.constant('application/json') }) },
    {
      weight: 1,
      arbitrary: fc.record({
        payload: fc.oneof(
          rawBody,
          json.map((v) => JSON.stringify(v) ?? ''),
        ),
        type: contentType,
      }),
    },
  );
}

/** Resolves with the response, or rejects when the request hangs past REQUEST_TIMEOUT_MS. */
export async function withinTimeout<T>(request: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      request,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(
          () => reject(new Error(`hung: no answer within ${REQUEST_TIMEOUT_MS} ms to ${what}`)),
          REQUEST_TIMEOUT_MS,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** No 5xx; an error answer is JSON `{error: string, message: string}`. */
export function expectWellFormed(response: LightMyRequestResponse, what: string): void {
  const context = `${what} → ${response.statusCode} ${response.body.slice(0, 500)}`;
  expect(response.statusCode, context).toBeLessThan(500);
  if (response.statusCode >= 400) {
    expect(String(response.headers['content-type']), context).toMatch(/^application\/json/);
    const body = response.json() as { error?: unknown; message?: unknown };
    expect(typeof body.error, context).toBe('string');
    expect(typeof body.message, context).toBe('string');
  }
}

/** Log lines at level error or fatal (≥ 50) written since `from`: each one is a crash the caller did not cause. */
export function errorLogs(logs: string[], from = 0): string[] {
  return logs.slice(from).filter((line) => /"level":(5\d|6\d)\b/.test(line));
}

/** Fails when anything was logged at level error or fatal since `from`, showing those lines. */
export function expectNoErrorLogs(logs: string[], from: number, what: string): void {
  const lines = errorLogs(logs, from);
  expect(
    lines.map((line) => line.slice(0, 2_000)),
    `logged at error level after ${what}`,
  ).toStrictEqual([]);
}

/** A short description of a request for failure messages (long payloads cut). */
export function describeRequest(method: string, url: string, payload: unknown, type?: string): string {
  const text =
    typeof payload === 'string'
      ? payload
      : Buffer.isBuffer(payload)
        ? `<${payload.length} bytes>`
        : JSON.stringify(payload);
  return `${method} ${url} [${type ?? 'no content-type'}] ${String(text).slice(0, 300)}`;
}

/**
 * `value` as one path segment: its UTF-8 bytes percent-encoded (a lone surrogate becomes U+FFFD, as any client would
 * send it), or, for visible ASCII, sometimes as is, so malformed escapes like `%zz` reach the router too.
 */
export function pathSegment(value: string, raw = false): string {
  if (raw && /^[\x21-\x7e]*$/.test(value) && !/[/?#]/.test(value)) return value;
  return [...Buffer.from(value, 'utf8')]
    .map((byte) =>
      /[\w.~-]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
}
