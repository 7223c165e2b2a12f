/**
 * Fuzzing the ChatKit protocol (`POST /chatkit` with a student's or an instructor's client secret): threads.create and
 * threads.add_user_message with arbitrary input, threads.custom_action with any action type and payload (the widget's
 * own and made-up ones, on the real widget item or not), items.list and the other request types with arbitrary
 * params, unknown types and raw bodies. Every answer is below 500 (the protocol's documented 501 for the request types
 * this server does not support aside), in time; a JSON error is `{error, message}`; a stream's events are JSON; nothing
 * is logged at error level.
 */
import { WIDGET_ACTIONS } from '@class-assist/contracts';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSlides, buildTestApp, DEMO_LECTURE, type TestApp } from '../helpers/app.js';
import { parseSse } from '../helpers/chatkit.js';
import {
  anyPayload,
  describeRequest,
  expectNoErrorLogs,
  expectWellFormed,
  FUZZ_COURSE,
  hostileString,
  hostileValue,
  PARAMS,
  RUNS,
  TIMEOUT_MS,
  withinTimeout,
} from './arbitraries.js';

/** Request types the server answers 501 Not Implemented (packages/chatkit-server/src/server.ts), by design. */
const NOT_IMPLEMENTED = new Set([
  'threads.add_structured_input',
  'threads.sync_custom_action',
  'attachments.create',
  'attachments.delete',
  'input.transcribe',
]);

const REQUEST_TYPES = [
  'threads.create',
  'threads.add_user_message',
  'threads.add_client_tool_output',
  'threads.add_structured_input',
  'threads.retry_after_item',
  'threads.custom_action',
  'threads.sync_custom_action',
  'threads.get_by_id',
  'threads.list',
  'items.list',
  'threads.update',
  'items.feedback',
  'attachments.create',
  'attachments.delete',
  'input.transcribe',
] as const;

interface Seat {
  secret: string;
  threadId: string;
  widgetId: string;
}

let t: TestApp;
const seats: Seat[] = [];

async function chatkit(
  secret: string,
  payload: string | Buffer,
  type = 'application/json',
): Promise<LightMyRequestResponse> {
  const what = describeRequest('POST', '/chatkit', payload, type);
  return withinTimeout(
    t.app.inject({
      method: 'POST',
      url: '/chatkit',
      headers: { authorization: `Bearer ${secret}`, 'content-type': type },
      payload,
    }),
    what,
  );
}

async function seat(role: 'Learner' | 'Instructor'): Promise<Seat> {
  const session = await t.app.inject({
    method: 'POST',
    url: '/api/chatkit/session',
    payload: { userId: `fuzz-${role}`, courseId: FUZZ_COURSE, courseName: 'Fuzz 101', role },
  });
  expect(session.statusCode, session.body).toBe(200);
  const secret = (session.json() as { client_secret: string }).client_secret;
  const created = await chatkit(
    secret,
    JSON.stringify({
      type: 'threads.create',
      params: { input: { content: [], attachments: [], inference_options: {} } },
    }),
  );
  const events = parseSse(created.body);
  const threadId = (events[0] as { thread: { id: string } }).thread.id;
  const widget = events.find((e) => e.type === 'thread.item.done') as { item: { id: string } };
  return { secret, threadId, widgetId: widget.item.id };
}

beforeAll(async () => {
  t = await buildTestApp();
  await addSlides(t.pool, FUZZ_COURSE, DEMO_LECTURE);
  seats.push(await seat('Learner'), await seat('Instructor'));
});
afterAll(async () => {
  await t?.close();
});

/** The checks of every answer; `requestType` allows the documented 501s. */
function expectWellFormedChatKit(response: LightMyRequestResponse, what: string, requestType?: unknown): void {
  const context = `${what} → ${response.statusCode} ${response.body.slice(0, 500)}`;
  if (response.statusCode === 501) {
    expect(NOT_IMPLEMENTED.has(String(requestType)), context).toBe(true);
    expect(response.json(), context).toMatchObject({ error: 'not_implemented', message: expect.any(String) });
    return;
  }
  expectWellFormed(response, what);
  if (String(response.headers['content-type']).startsWith('text/event-stream')) {
    const events = parseSse(response.body);
    for (const event of events) expect(typeof event.type, context).toBe('string');
  }
}

const seatIndex = fc.integer({ min: 0, max: 1 });
const text = fc.oneof(
  hostileString,
  fc.constantFrom(
    'heatmap',
    'show me the heatmap',
    'export the data',
    'notify the confused students',
    'quiz me',
    'explain regression',
    'notes for slide 2',
    "I'm confused",
  ),
);
const input = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      content: fc.array(fc.record({ type: fc.constant('input_text'), text }), { maxLength: 3 }),
      attachments: fc.constant([]),
      inference_options: fc.constant({}),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record(
      { content: hostileValue, attachments: hostileValue, inference_options: hostileValue, quoted_text: hostileValue },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: hostileValue },
);
/** A thread id: the seat's own thread mostly, else anything. */
const threadRef = (s: Seat) =>
  fc.oneof({ weight: 3, arbitrary: fc.constant(s.threadId) }, { weight: 1, arbitrary: hostileValue });
const itemRef = (s: Seat) =>
  fc.oneof({ weight: 3, arbitrary: fc.constant(s.widgetId) }, { weight: 1, arbitrary: hostileValue });

/** Runs `body` as the seat's member and checks the answer and the logs. */
async function check(s: Seat, body: unknown, requestType: unknown): Promise<void> {
  const payload = JSON.stringify(body) ?? 'null';
  const what = describeRequest('POST', '/chatkit', payload, 'application/json');
  const from = t.logs.length;
  const response = await chatkit(s.secret, payload);
  expectNoErrorLogs(t.logs, from, what);
  expectWellFormedChatKit(response, what, requestType);
}

describe(`POST /chatkit: ${RUNS} requests per target`, () => {
  it(
    'threads.create with arbitrary input',
    async () => {
      await fc.assert(
        fc.asyncProperty(seatIndex, input, async (i, value) => {
          await check(seats[i] as Seat, { type: 'threads.create', params: { input: value } }, 'threads.create');
        }),
        PARAMS,
      );
    },
    TIMEOUT_MS,
  );

  it(
    'threads.add_user_message with arbitrary input',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          seatIndex.chain((i) => fc.tuple(fc.constant(i), threadRef(seats[i] as Seat), input)),
          async ([i, threadId, value]) => {
            await check(
              seats[i] as Seat,
              { type: 'threads.add_user_message', params: { thread_id: threadId, input: value } },
              'threads.add_user_message',
            );
          },
        ),
        PARAMS,
      );
    },
    TIMEOUT_MS,
  );

  it(
    'threads.custom_action with any action type and payload',
    async () => {
      const payload = fc.oneof(
        hostileValue,
        fc.record(
          {
            slide_id: hostileValue,
            question_body: hostileValue,
            anonymous: hostileValue,
            quiz_id: hostileValue,
            focus: hostileValue,
            attempt_id: hostileValue,
            question_id: hostileValue,
            choice_index: hostileValue,
            topic: hostileValue,
            time_range: hostileValue,
            value: hostileValue,
            format: hostileValue,
            recipient_filter: hostileValue,
            message: hostileValue,
            topics: hostileValue,
            quiz_type: hostileValue,
            confirmed: fc.oneof(fc.boolean(), hostileValue),
            confirmation_id: hostileValue,
            view: fc.oneof(fc.constantFrom('student', 'instructor'), hostileValue),
          },
          { requiredKeys: [] },
        ),
      );
      const action = fc.record(
        {
          type: fc.oneof(
            { weight: 4, arbitrary: fc.constantFrom(...WIDGET_ACTIONS) },
            { weight: 1, arbitrary: hostileValue },
          ),
          payload,
        },
        { requiredKeys: [] },
      );
      await fc.assert(
        fc.asyncProperty(
          seatIndex.chain((i) =>
            fc.tuple(
              fc.constant(i),
              threadRef(seats[i] as Seat),
              fc.option(itemRef(seats[i] as Seat), { nil: undefined, freq: 5 }),
              fc.oneof({ weight: 5, arbitrary: action }, { weight: 1, arbitrary: hostileValue }),
            ),
          ),
          async ([i, threadId, itemId, value]) => {
            await check(
              seats[i] as Seat,
              {
                type: 'threads.custom_action',
                params: { thread_id: threadId, ...(itemId === undefined ? {} : { item_id: itemId }), action: value },
              },
              'threads.custom_action',
            );
          },
        ),
        PARAMS,
      );
    },
    TIMEOUT_MS,
  );

  it(
    'items.list and every other request type with arbitrary params',
    async () => {
      const params = (s: Seat) =>
        fc.oneof(
          hostileValue,
          fc.record(
            {
              thread_id: threadRef(s),
              item_id: itemRef(s),
              limit: fc.oneof(fc.integer({ min: -5, max: 2000 }), hostileValue),
              order: fc.oneof(fc.constantFrom('asc', 'desc'), hostileValue),
              after: fc.oneof(itemRef(s), hostileValue),
              title: hostileValue,
              item_ids: fc.oneof(fc.array(itemRef(s), { maxLength: 3 }), hostileValue),
              kind: fc.oneof(fc.constantFrom('positive', 'negative'), hostileValue),
              result: hostileValue,
              input: hostileValue,
              name: hostileValue,
              size: hostileValue,
              mime_type: hostileValue,
              attachment_id: hostileValue,
              audio_base64: hostileValue,
            },
            { requiredKeys: [] },
          ),
        );
      // threads.delete only on made-up ids, so the seats keep their threads for the other targets.
      const request = seatIndex.chain((i) =>
        fc.tuple(
          fc.constant(i),
          fc.oneof(
            {
              weight: 6,
              arbitrary: fc.record(
                { type: fc.constantFrom(...REQUEST_TYPES), params: params(seats[i] as Seat) },
                { requiredKeys: ['type'] },
              ),
            },
            {
              weight: 1,
              arbitrary: fc.record({
                type: fc.constant('threads.delete'),
                params: fc.record({ thread_id: hostileString }),
              }),
            },
            {
              weight: 1,
              arbitrary: fc.record(
                { type: hostileValue, params: hostileValue, metadata: hostileValue },
                { requiredKeys: [] },
              ),
            },
          ),
        ),
      );
      await fc.assert(
        fc.asyncProperty(request, async ([i, body]) => {
          await check(seats[i] as Seat, body, (body as { type?: unknown }).type);
        }),
        PARAMS,
      );
    },
    TIMEOUT_MS,
  );

  it(
    'raw bodies, wrong content types and bad client secrets',
    async () => {
      const secret = fc.oneof(
        fc.constantFrom(...seats.map((s) => s.secret)),
        fc.constantFrom(...seats.map((s) => `${s.secret.slice(0, -4)}AAAA`)),
        fc.string({ unit: 'binary-ascii', maxLength: 60 }).filter((s) => /^[\x21-\x7e]+$/.test(s)),
      );
      await fc.assert(
        fc.asyncProperty(
          secret,
          anyPayload(fc.record({ type: fc.constantFrom(...REQUEST_TYPES), params: hostileValue })),
          async (bearer, { payload, type }) => {
            const what = describeRequest('POST', '/chatkit', payload, type);
            const from = t.logs.length;
            const response = await withinTimeout(
              t.app.inject({
                method: 'POST',
                url: '/chatkit',
                headers: { authorization: `Bearer ${bearer}`, ...(type === undefined ? {} : { 'content-type': type }) },
                payload,
              }),
              what,
            );
            expectNoErrorLogs(t.logs, from, what);
            let requestType: unknown;
            try {
              requestType = JSON.parse(String(payload)).type;
            } catch {
              requestType = undefined;
            }
            expectWellFormedChatKit(response, what, requestType);
          },
        ),
        PARAMS,
      );
    },
    TIMEOUT_MS,
  );
});
