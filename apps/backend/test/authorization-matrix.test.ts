/**
 * The authorization matrix: caller (student of course A, instructor of course A, no credentials, a forged credential,
 * the AgentKit secret as trusted service) × the nine functions × transport (HTTP /api/agentkit, MCP tools/call,
 * ChatKit widget action, ChatKit chat) × target course (A, or B — another course), each cell asserted; then the other
 * HTTP routes a session can reach. Students never reach the four instructor functions; A's sessions never reach B
 * (another course's objects answer 404, like missing ones). Notify and assign run against a fake Canvas, so "allowed"
 * means 200 with recipients, not a 409 for a course without an LMS connection.
 *
 * Credentials a member holds: the ChatKit client secret (POST /api/chatkit/session) and the page's session token
 * (GET /dev/launch). Neither is accepted where the AgentKit secret is required (HTTP functions, MCP, admin API).
 */
import { randomUUID } from 'node:crypto';
import { FUNCTION_NAMES, type FunctionName, type WIDGET_ACTIONS } from '@class-assist/contracts';
import type { LightMyRequestResponse } from 'fastify';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSlides, buildTestApp, DEMO_LECTURE, TEST_SECRET, type TestApp } from './helpers/app.js';
import { parseSse } from './helpers/chatkit.js';
import { type FakeCanvas, startFakeCanvas } from './helpers/fake-canvas.js';

type CallerName = 'student' | 'instructor' | 'none' | 'forged' | 'service';
type CourseKey = 'A' | 'B';
/** allowed: 2xx (or, in ChatKit, the widget replaced without an error); refused: 403 (ChatKit: an error event). */
type Outcome = 'allowed' | 401 | 'refused' | 404 | 'not reachable';

const CALLERS: CallerName[] = ['student', 'instructor', 'none', 'forged', 'service'];
const COURSES: CourseKey[] = ['A', 'B'];
const INSTRUCTOR_ONLY: FunctionName[] = [
  'get_confusion_heatmap',
  'export_confusion_data',
  'notify_students_via_lms',
  'assign_remedial_quiz',
];
const TOPIC = DEMO_LECTURE[1]?.topic ?? 'Learning paradigms';

/** The widget action that runs each function (apps/backend/src/chatkit/widget-actions.ts). */
const WIDGET_ACTION: Record<
  FunctionName,
  { type: (typeof WIDGET_ACTIONS)[number]; payload: () => Record<string, unknown> }
> = {
  track_confusion: { type: 'confusion.ping', payload: () => ({ slide_id: 'slide-1' }) },
  submit_question: { type: 'question.submit', payload: () => ({ question_body: 'Why does this work?' }) },
  generate_quiz: { type: 'study.quiz', payload: () => ({}) },
  explain_topic: { type: 'study.explain', payload: () => ({ topic: TOPIC }) },
  fetch_notes: { type: 'study.notes', payload: () => ({ slide_id: 'slide-2' }) },
  get_confusion_heatmap: { type: 'heatmap.refresh', payload: () => ({ time_range: 'today' }) },
  export_confusion_data: { type: 'intervention.export', payload: () => ({ format: 'csv' }) },
  notify_students_via_lms: {
    type: 'intervention.notify',
    payload: () => ({
      recipient_filter: 'all_students',
      message: 'Please review slide 2',
      confirmed: true,
      confirmation_id: randomUUID(),
    }),
  },
  assign_remedial_quiz: {
    type: 'intervention.assign',
    payload: () => ({ quiz_type: 'remedial', confirmed: true, confirmation_id: randomUUID() }),
  },
};

/** What a member types in the chat to ask for each function (the offline intent matcher: chat-intents.ts). */
const CHAT_ASK: Record<FunctionName, string> = {
  track_confusion: "I'm confused about slide 1",
  submit_question: 'ask: why does this work?',
  generate_quiz: 'quiz me',
  explain_topic: `explain ${TOPIC}`,
  fetch_notes: 'notes for slide 2',
  get_confusion_heatmap: 'show me the heatmap',
  export_confusion_data: 'export the confusion data',
  notify_students_via_lms: 'notify the confused students to review slide 2',
  assign_remedial_quiz: 'assign a remedial quiz',
};

let t: TestApp;
let canvas: FakeCanvas;
const course: Record<CourseKey, string> = { A: 'matrix-course-a', B: 'matrix-course-b' };

interface Member {
  userId: string;
  /** ChatKit client secret. */
  chatkit: string;
  /** The page's session token. */
  session: string;
  threadId: string;
  widgetId: string;
}
const members: Partial<Record<`${'student' | 'instructor'}${CourseKey}`, Member>> = {};
let forgedChatKit: string;
let forgedSession: string;

/** Every cell checked: [transport or route, caller, function or target, course, outcome]. */
const cells: Array<[string, string, string, string, string]> = [];

function bodyFor(fn: FunctionName, courseId: string): Record<string, unknown> {
  const user = { user_id: `${courseId}-student`, course_id: courseId };
  switch (fn) {
    case 'track_confusion':
      return { ...user, slide_id: 'slide-1' };
    case 'submit_question':
      return { ...user, question_body: 'Why does this work?' };
    case 'generate_quiz':
      return user;
    case 'explain_topic':
      return { ...user, topic: TOPIC };
    case 'fetch_notes':
      return { ...user, slide_id: 'slide-2' };
    case 'get_confusion_heatmap':
      return { course_id: courseId };
    case 'export_confusion_data':
      return { course_id: courseId, format: 'json' };
    case 'notify_students_via_lms':
      return { course_id: courseId, recipient_filter: 'all_students', message: 'Please review slide 2' };
    case 'assign_remedial_quiz':
      return { course_id: courseId, quiz_type: 'remedial' };
  }
}

const admin = (method: 'PUT' | 'POST', url: string, payload: unknown) =>
  t.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${TEST_SECRET}`, 'content-type': 'application/json' },
    payload: JSON.stringify(payload),
  });

async function chatkit(secret: string | undefined, body: unknown): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method: 'POST',
    url: '/chatkit',
    headers: { 'content-type': 'application/json', ...(secret ? { authorization: `Bearer ${secret}` } : {}) },
    payload: JSON.stringify(body),
  });
}

const emptyInput = { content: [], attachments: [], inference_options: {} };

async function member(key: CourseKey, role: 'Learner' | 'Instructor'): Promise<Member> {
  const userId = `${course[key]}-${role === 'Learner' ? 'student' : 'instructor'}`;
  const identity = { userId, courseId: course[key], courseName: `Course ${key}`, role };
  const session = await t.app.inject({ method: 'POST', url: '/api/chatkit/session', payload: identity });
  expect(session.statusCode, session.body).toBe(200);
  const launch = await t.app.inject({ method: 'GET', url: `/dev/launch?${new URLSearchParams(identity)}` });
  expect(launch.statusCode, launch.body).toBe(302);
  const sessionToken = /#session=(.+)$/.exec(String(launch.headers.location))?.[1] ?? '';
  const secret = (session.json() as { client_secret: string }).client_secret;
  const created = await chatkit(secret, { type: 'threads.create', params: { input: emptyInput } });
  const events = parseSse(created.body);
  const widget = events.find((e) => e.type === 'thread.item.done') as { item: { id: string } };
  return {
    userId,
    chatkit: secret,
    session: sessionToken,
    threadId: (events[0] as { thread: { id: string } }).thread.id,
    widgetId: widget.item.id,
  };
}

/** A token shaped like ours, claiming to be A's instructor, signed with another key. */
async function forge(real: string): Promise<string> {
  const claims = JSON.parse(Buffer.from(real.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
  return new SignJWT({ ...claims, role: 'instructor' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode('not-the-session-secret-0123456789abcdef'));
}

/** Rows of course B in every course-scoped table, to prove nothing of A's reached B. */
async function footprintOfB(): Promise<Record<string, number>> {
  const tables = ['confusion_events', 'questions', 'quizzes', 'quiz_attempts', 'interventions', 'chatkit_threads'];
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const { rows } = await t.pool.query(`SELECT count(*)::int AS n FROM ${table} WHERE course_id = $1`, [course.B]);
    counts[table] = rows[0].n;
  }
  return counts;
}

beforeAll(async () => {
  canvas = await startFakeCanvas();
  t = await buildTestApp({ appDeps: { lmsHttp: { retries: 1, baseDelayMs: 5, maxDelayMs: 20, timeoutMs: 2_000 } } });
  for (const key of COURSES) {
    await addSlides(t.pool, course[key], DEMO_LECTURE.slice(0, 6));
    const lmsCourseId = key === 'A' ? '7001' : '7002';
    canvas.addCourse(lmsCourseId, [{ id: `${lmsCourseId}1`, name: 'Ada' }]);
    const roster = await admin('PUT', `/api/admin/courses/${course[key]}/roster`, [
      { user_id: `${course[key]}-student`, lms_user_id: `${lmsCourseId}1`, name: 'Ada', role: 'student' },
    ]);
    expect(roster.statusCode, roster.body).toBe(200);
    const lms = await admin('PUT', `/api/admin/courses/${course[key]}/lms`, {
      kind: 'canvas',
      base_url: canvas.baseUrl,
      token: canvas.token,
      lms_course_id: lmsCourseId,
    });
    expect(lms.statusCode, lms.body).toBe(200);
    // A confused student, so "confused students" and remedial quizzes have someone to reach.
    const ping = await t.call('track_confusion', {
      user_id: `${course[key]}-student`,
      course_id: course[key],
      slide_id: 'slide-2',
    });
    expect(ping.statusCode, ping.body).toBe(200);
  }
  members.studentA = await member('A', 'Learner');
  members.instructorA = await member('A', 'Instructor');
  members.studentB = await member('B', 'Learner');
  members.instructorB = await member('B', 'Instructor');
  // The footprint must see B's rows (a query hidden by row-level security would count none, and prove nothing).
  expect((await footprintOfB()).confusion_events).toBeGreaterThan(0);
  forgedChatKit = await forge(members.studentA.chatkit);
  forgedSession = await forge(members.studentA.session);
});
afterAll(async () => {
  await t?.close();
  await canvas?.close();
  const byTransport = new Map<string, number>();
  for (const [transport] of cells) byTransport.set(transport, (byTransport.get(transport) ?? 0) + 1);
  // The figure docs/reliability.md cites.
  console.log(
    `authorization matrix: ${cells.length} cells checked (${[...byTransport].map(([k, n]) => `${k} ${n}`).join(', ')})`,
  );
});

/** The credentials a caller presents on the service transports (HTTP, MCP): each must give the same outcome. */
function serviceBearers(caller: CallerName): Array<string | undefined> {
  const m = members.studentA as Member;
  const i = members.instructorA as Member;
  switch (caller) {
    case 'student':
      return [m.chatkit, m.session];
    case 'instructor':
      return [i.chatkit, i.session];
    case 'none':
      return [undefined];
    case 'forged':
      return [forgedChatKit, forgedSession, `${TEST_SECRET}x`, 'undefined'];
    case 'service':
      return [TEST_SECRET];
  }
}

function expectedOnServiceTransport(caller: CallerName): Outcome {
  return caller === 'service' ? 'allowed' : 401;
}

async function viaHttp(fn: FunctionName, courseId: string, bearer: string | undefined): Promise<Outcome> {
  const response = await t.app.inject({
    method: 'POST',
    url: `/api/agentkit/${fn}`,
    headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    payload: JSON.stringify(bodyFor(fn, courseId)),
  });
  if (response.statusCode === 200) return 'allowed';
  expect(response.json(), response.body).toMatchObject({ error: expect.any(String), message: expect.any(String) });
  return response.statusCode === 403 ? 'refused' : (response.statusCode as Outcome);
}

async function viaMcp(fn: FunctionName, courseId: string, bearer: string | undefined): Promise<Outcome> {
  const response = await t.app.inject({
    method: 'POST',
    url: '/mcp',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
    },
    payload: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: fn, arguments: bodyFor(fn, courseId) },
    }),
  });
  if (response.statusCode !== 200) return response.statusCode as Outcome;
  const result = (response.json() as { result: { isError?: boolean; content: Array<{ text: string }> } }).result;
  if (!result.isError) return 'allowed';
  const error = JSON.parse(result.content[0]?.text ?? '{}') as { error: string };
  return error.error === 'forbidden'
    ? 'refused'
    : error.error === 'not_found'
      ? 404
      : (error.error as unknown as Outcome);
}

interface ActionAnswer {
  outcome: Outcome;
  messages: string[];
  notice?: string;
}

/** Runs a widget action on `m`'s widget; `extra` is merged into the payload (e.g. another course's ids). */
async function viaAction(
  m: Member | undefined,
  secret: string | undefined,
  fn: FunctionName,
  extra: Record<string, unknown> = {},
): Promise<ActionAnswer> {
  const { type, payload } = WIDGET_ACTION[fn];
  const target = m ?? (members.studentA as Member);
  const response = await chatkit(secret, {
    type: 'threads.custom_action',
    params: {
      thread_id: target.threadId,
      item_id: target.widgetId,
      action: { type, payload: { ...payload(), ...extra } },
    },
  });
  if (response.statusCode !== 200) return { outcome: response.statusCode as Outcome, messages: [] };
  const events = parseSse(response.body);
  const error = events.find((e) => e.type === 'error') as { code: string; message: string } | undefined;
  const messages = events
    .filter((e) => e.type === 'thread.item.done')
    .map((e) => JSON.stringify((e as { item: unknown }).item));
  if (error)
    return {
      outcome: /only instructors/i.test(error.message) ? 'refused' : (error.message as unknown as Outcome),
      messages,
    };
  const replaced = events.find((e) => e.type === 'thread.item.replaced');
  expect(replaced, response.body).toBeDefined();
  return { outcome: 'allowed', messages, notice: JSON.stringify(replaced) };
}

describe('the nine functions over HTTP and MCP: only the AgentKit secret is accepted', () => {
  for (const transport of ['http', 'mcp'] as const) {
    for (const caller of CALLERS) {
      for (const fn of FUNCTION_NAMES) {
        for (const key of COURSES) {
          const expected = expectedOnServiceTransport(caller);
          it(`${transport} · ${caller} · ${fn} · course ${key} → ${expected}`, async () => {
            for (const bearer of serviceBearers(caller)) {
              const outcome = await (transport === 'http' ? viaHttp : viaMcp)(fn, course[key], bearer);
              expect(outcome, `${transport} ${fn} with ${bearer?.slice(0, 12)}…`).toBe(expected);
            }
            cells.push([transport, caller, fn, key, String(expected)]);
          });
        }
      }
    }
  }
});

describe('the nine functions as ChatKit widget actions: the session decides course and role', () => {
  for (const caller of CALLERS) {
    for (const fn of FUNCTION_NAMES) {
      for (const key of COURSES) {
        const expected: Outcome =
          caller === 'none' || caller === 'forged' || caller === 'service'
            ? 401
            : key === 'B'
              ? 'not reachable'
              : caller === 'student' && INSTRUCTOR_ONLY.includes(fn)
                ? 'refused'
                : 'allowed';
        it(`chatkit-action · ${caller} · ${fn} · course ${key} → ${expected}`, async () => {
          const m = caller === 'instructor' ? members.instructorA : members.studentA;
          const secrets =
            caller === 'none'
              ? [undefined]
              : caller === 'forged'
                ? [forgedChatKit, forgedSession]
                : caller === 'service'
                  ? [TEST_SECRET]
                  : [(m as Member).chatkit];
          for (const secret of secrets) {
            if (key === 'A') {
              const before = await footprintOfB();
              const answer = await viaAction(m, secret, fn);
              expect(answer.outcome, JSON.stringify(answer)).toBe(expected);
              expect(await footprintOfB()).toStrictEqual(before);
              continue;
            }
            // Course B from A's session: the payload names B and B's student; the session's course A is what counts,
            // so B's data stays as it was (the action acts on A or is refused), and B's own thread answers 404.
            const before = await footprintOfB();
            const answer = await viaAction(m, secret, fn, { course_id: course.B, user_id: `${course.B}-student` });
            expect(await footprintOfB()).toStrictEqual(before);
            if (expected === 401) {
              expect(answer.outcome).toBe(401);
              continue;
            }
            expect(answer.outcome).toBe(caller === 'student' && INSTRUCTOR_ONLY.includes(fn) ? 'refused' : 'allowed');
            const other = members.instructorB as Member;
            const onB = await chatkit(secret, {
              type: 'threads.custom_action',
              params: {
                thread_id: other.threadId,
                item_id: other.widgetId,
                action: { type: WIDGET_ACTION[fn].type, payload: WIDGET_ACTION[fn].payload() },
              },
            });
            expect(onB.statusCode, onB.body).toBe(404);
            expect(await footprintOfB()).toStrictEqual(before);
          }
          cells.push(['chatkit-action', caller, fn, key, String(expected)]);
        });
      }
    }
  }

  it('a student cannot open the instructor view or run any instructor-only widget action', async () => {
    const m = members.studentA as Member;
    for (const type of [
      'view.set',
      'heatmap.refresh',
      'intervention.export',
      'intervention.notify',
      'intervention.assign',
      'intervention.cancel',
      'slide.set',
    ]) {
      const response = await chatkit(m.chatkit, {
        type: 'threads.custom_action',
        params: {
          thread_id: m.threadId,
          item_id: m.widgetId,
          action: {
            type,
            payload: {
              view: 'instructor',
              confirmed: true,
              message: 'x',
              recipient_filter: 'all_students',
              quiz_type: 'remedial',
              slide_id: 'slide-2',
            },
          },
        },
      });
      const error = parseSse(response.body).find((e) => e.type === 'error') as { message?: string } | undefined;
      expect(error?.message, `${type}: ${response.body}`).toMatch(/only instructors/i);
      cells.push(['chatkit-action', 'student', type, 'A', 'refused']);
    }
  });
});

describe('the functions asked for in the ChatKit chat (offline intents): students never reach instructor data', () => {
  async function ask(m: Member, text: string): Promise<string> {
    const response = await chatkit(m.chatkit, {
      type: 'threads.add_user_message',
      params: {
        thread_id: m.threadId,
        input: { content: [{ type: 'input_text', text }], attachments: [], inference_options: {} },
      },
    });
    expect(response.statusCode, response.body).toBe(200);
    return parseSse(response.body)
      .filter((e) => e.type === 'thread.item.done')
      .map((e) => JSON.stringify((e as { item: unknown }).item))
      .join('\n');
  }

  for (const caller of ['student', 'instructor'] as const) {
    for (const fn of INSTRUCTOR_ONLY) {
      const expected: Outcome =
        caller === 'student' ? 'not reachable' : fn === 'get_confusion_heatmap' ? 'allowed' : 'not reachable';
      it(`chatkit-chat · ${caller} · ${fn} · course A → ${expected}`, async () => {
        const m = (caller === 'student' ? members.studentA : members.instructorA) as Member;
        const { rows: before } = await t.pool.query('SELECT count(*)::int AS n FROM interventions');
        const reply = await ask(m, CHAT_ASK[fn]);
        const { rows: after } = await t.pool.query('SELECT count(*)::int AS n FROM interventions');
        // Chat never sends or assigns anything (the widget's confirm step does), and never hands a student an export.
        expect(after[0].n).toBe(before[0].n);
        if (caller === 'student') {
          expect(reply).not.toMatch(/\/api\/exports\//);
          expect(reply).not.toMatch(/\d+\s?%/);
        } else if (fn === 'get_confusion_heatmap') {
          expect(reply).toMatch(/%/);
        }
        cells.push(['chatkit-chat', caller, fn, 'A', String(expected)]);
      });
    }
  }
});

describe('the other routes a session can reach', () => {
  async function get(url: string, bearer: string | undefined): Promise<LightMyRequestResponse> {
    return t.app.inject({ method: 'GET', url, headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });
  }

  /** An intervention and a stored quiz of each course, made by the service. */
  async function objectsOf(key: CourseKey): Promise<{ intervention: string; quiz: string }> {
    const notify = await t.call('notify_students_via_lms', bodyFor('notify_students_via_lms', course[key]));
    expect(notify.statusCode, notify.body).toBe(200);
    const quiz = await t.call('generate_quiz', bodyFor('generate_quiz', course[key]));
    expect(quiz.statusCode, quiz.body).toBe(200);
    return { intervention: notify.json().intervention_id, quiz: quiz.json().quiz_id };
  }

  const sessionBearers = (caller: CallerName): Array<string | undefined> => {
    switch (caller) {
      case 'student':
        return [(members.studentA as Member).session];
      case 'instructor':
        return [(members.instructorA as Member).session];
      case 'none':
        return [undefined];
      case 'forged':
        return [forgedSession, forgedChatKit];
      case 'service':
        return [TEST_SECRET];
    }
  };

  for (const caller of CALLERS) {
    for (const key of COURSES) {
      const member401 = caller === 'none' || caller === 'forged';
      const expected = (instructorOnly: boolean): number =>
        member401
          ? 401
          : caller === 'service'
            ? 200
            : key === 'B'
              ? 404
              : instructorOnly && caller === 'student'
                ? 403
                : 200;
      it(`GET /api/interventions/{id} and /api/quizzes/{id}/export · ${caller} · course ${key}`, async () => {
        const objects = await objectsOf(key);
        for (const bearer of sessionBearers(caller)) {
          const intervention = await get(`/api/interventions/${objects.intervention}`, bearer);
          expect(intervention.statusCode, intervention.body).toBe(expected(true));
          const quiz = await get(`/api/quizzes/${objects.quiz}/export?format=gift`, bearer);
          expect(quiz.statusCode, quiz.body).toBe(expected(true));
          for (const response of [intervention, quiz]) {
            if (response.statusCode >= 400)
              expect(response.json()).toMatchObject({ error: expect.any(String), message: expect.any(String) });
          }
          // "Missing" and "another course's" answer alike.
          if (expected(true) === 404) {
            expect((await get(`/api/interventions/${randomUUID()}`, bearer)).statusCode).toBe(404);
          }
        }
        cells.push(['/api/interventions/{id}', caller, 'get', key, String(expected(true))]);
        cells.push(['/api/quizzes/{id}/export', caller, 'get', key, String(expected(true))]);
      });

      it(`POST /api/admin/courses/{id}/material · ${caller} · course ${key}`, async () => {
        // Documented: the service, or an instructor session of that course (material.routes.ts).
        for (const bearer of sessionBearers(caller)) {
          const response = await t.app.inject({
            method: 'POST',
            url: `/api/admin/courses/${course[key]}/material`,
            headers: { 'content-type': 'text/markdown', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
            payload: DEMO_LECTURE.slice(0, 6)
              .map((s) => `## ${s.title}\n\n${s.topic ? `Topic: ${s.topic}\n\n` : ''}${s.notes}\n`)
              .join('\n'),
          });
          expect(response.statusCode, response.body).toBe(expected(true));
        }
        cells.push(['/api/admin/*/material', caller, 'post', key, String(expected(true))]);
      });

      it(`the admin API (LMS connection, roster, LTI platforms) · ${caller} · course ${key}`, async () => {
        const expectedAdmin = caller === 'service' ? 200 : 401;
        for (const bearer of sessionBearers(caller)) {
          const headers = {
            'content-type': 'application/json',
            ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
          };
          const lms = await t.app.inject({ method: 'GET', url: `/api/admin/courses/${course[key]}/lms`, headers });
          expect(lms.statusCode, lms.body).toBe(expectedAdmin);
          const roster = await t.app.inject({
            method: 'PUT',
            url: `/api/admin/courses/${course[key]}/roster`,
            headers,
            payload: JSON.stringify([
              {
                user_id: `${course[key]}-student`,
                lms_user_id: key === 'A' ? '70011' : '70021',
                name: 'Ada',
                role: 'student',
              },
            ]),
          });
          expect(roster.statusCode, roster.body).toBe(expectedAdmin);
          const platforms = await t.app.inject({ method: 'GET', url: '/api/admin/lti/platforms', headers });
          expect(platforms.statusCode, platforms.body).toBe(expectedAdmin);
          if (caller !== 'service') {
            const removed = await t.app.inject({
              method: 'DELETE',
              url: `/api/admin/courses/${course[key]}/lms`,
              headers,
            });
            expect(removed.statusCode, removed.body).toBe(401);
          }
        }
        cells.push(['/api/admin/* (lms, roster, lti)', caller, 'any', key, String(expectedAdmin)]);
      });
    }

    it(`GET /api/live · ${caller}: a session hears its own course only`, async () => {
      const bearers =
        caller === 'student' || caller === 'instructor'
          ? [(members[`${caller}A`] as Member).chatkit, (members[`${caller}A`] as Member).session]
          : sessionBearers(caller);
      for (const bearer of bearers) {
        if (caller === 'student' || caller === 'instructor') {
          // The stream never ends: read its first event over a socket, asking for course B (ignored).
          const base = await listenOnce();
          const controller = new AbortController();
          const response = await fetch(`${base}/api/live?course_id=${course.B}`, {
            headers: { authorization: `Bearer ${bearer}` },
            signal: controller.signal,
          });
          expect(response.status).toBe(200);
          const reader = (response.body as ReadableStream<Uint8Array>).getReader();
          let text = '';
          while (!text.includes('"hello"')) text += new TextDecoder().decode((await reader.read()).value);
          controller.abort();
          expect(text).toContain(`"course_id":"${course.A}"`);
          expect(text).not.toContain(course.B);
        } else {
          const response = await get('/api/live', bearer);
          expect(response.statusCode, response.body).toBe(401);
          expect(response.json()).toMatchObject({ error: 'unauthorized', message: expect.any(String) });
        }
      }
      cells.push([
        '/api/live',
        caller,
        'get',
        'A',
        caller === 'student' || caller === 'instructor' ? 'course A only' : '401',
      ]);
    });
  }
});

let listening: string | undefined;
async function listenOnce(): Promise<string> {
  if (!listening) {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address() as { port: number };
    listening = `http://127.0.0.1:${address.port}`;
  }
  return listening;
}
