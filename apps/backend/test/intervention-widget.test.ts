/**
 * The instructor's LMS interventions from the widget (ChatKit `threads.custom_action`), delivered to a fake Canvas on
 * loopback: nothing happens before Confirm, a double-clicked Confirm makes one intervention, every confused student
 * is reached exactly once through injected failures, the quiz assigned is the one previewed, the progress box tells
 * how it went, and students can neither intervene nor see the progress.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSlides, buildTestApp, DEMO_LECTURE, TEST_SECRET, type TestApp, uniqueId } from './helpers/app.js';
import {
  findNode,
  json,
  listen,
  nullPaths,
  openSession,
  openThread,
  stream,
  type WireItem,
  widgetText,
} from './helpers/chatkit.js';
import { type FakeCanvas, startFakeCanvas } from './helpers/fake-canvas.js';
import { allNodes, button, type Node } from './helpers/widgets.js';

const FAST = { lmsHttp: { retries: 3, baseDelayMs: 5, maxDelayMs: 20, timeoutMs: 2_000 } };
const SETTLE = { timeout: 15_000, interval: 50 };
const MESSAGE = 'We will go over gradient descent again on Thursday.';
/** The course's students and their Canvas ids; the first three are confused now, edsger was three hours ago. */
const STUDENTS = { ada: '101', alan: '102', grace: '103', edsger: '104' } as const;
const CONFUSED_IDS = ['101', '102', '103'];

let t: TestApp;
let base: string;
let canvas: FakeCanvas;

beforeAll(async () => {
  canvas = await startFakeCanvas();
  t = await buildTestApp({ appDeps: FAST, env: { LMS_RETRY_DELAY_SECONDS: '1', LMS_RETRY_LIMIT: '2' } });
  base = await listen(t);
});
afterAll(async () => {
  await t?.close();
  await canvas?.close();
});

interface Course {
  id: string;
  lmsCourseId: string;
}

/** A member's thread holding the Class Assist widget. */
interface Seat {
  secret: string;
  threadId: string;
  widgetId: string;
}

const userId = (course: Course, name: string) => `${course.id}-${name}`;

const admin = (url: string, payload: unknown) =>
  t.app.inject({
    method: 'PUT',
    url,
    headers: { authorization: `Bearer ${TEST_SECRET}`, 'content-type': 'application/json' },
    payload: JSON.stringify(payload),
  });

/**
 * A course with the first eight demo slides, connected to the fake Canvas, whose roster names four students (with
 * Canvas ids) and an instructor; ada, alan and grace are confused now, edsger only three hours ago.
 */
async function canvasCourse(): Promise<Course> {
  const course = { id: uniqueId('course'), lmsCourseId: String(Math.floor(Math.random() * 1e6)) };
  await addSlides(t.pool, course.id, DEMO_LECTURE.slice(0, 8));
  const students = Object.entries(STUDENTS).map(([name, lms]) => ({ user_id: userId(course, name), lms, name }));
  const roster = await admin(`/api/admin/courses/${course.id}/roster`, [
    ...students.map((s) => ({ user_id: s.user_id, lms_user_id: s.lms, name: s.name, role: 'student' })),
    { user_id: userId(course, 'prof'), lms_user_id: '900', name: 'Prof', role: 'instructor' },
  ]);
  expect(roster.statusCode, roster.body).toBe(200);
  canvas.addCourse(
    course.lmsCourseId,
    students.map((s) => ({ id: s.lms, name: s.name })),
  );
  const connection = await admin(`/api/admin/courses/${course.id}/lms`, {
    kind: 'canvas',
    base_url: canvas.baseUrl,
    token: canvas.token,
    lms_course_id: course.lmsCourseId,
  });
  expect(connection.statusCode, connection.body).toBe(200);
  const now = t.clock().getTime();
  for (const [name, at] of [
    ['edsger', now - 3 * 3_600_000],
    ['ada', now],
    ['alan', now],
    ['grace', now],
  ] as const) {
    const ping = await t.call('track_confusion', {
      user_id: userId(course, name),
      course_id: course.id,
      slide_id: 'slide-7',
      timestamp: new Date(at).toISOString(),
    });
    expect(ping.statusCode, ping.body).toBe(200);
  }
  return course;
}

async function seat(course: Course, name: string, role: 'Instructor' | 'Learner'): Promise<Seat> {
  const { client_secret } = await openSession(t, {
    userId: userId(course, name),
    courseId: course.id,
    courseName: 'Interventions 101',
    role,
  });
  const { threadId, widget } = await openThread(base, client_secret);
  return { secret: client_secret, threadId, widgetId: widget.id };
}

interface ActionResult {
  events: Array<Record<string, unknown>>;
  /** The replaced widget's tree, when the action replaced it. */
  widget?: Node;
  error?: { code: string; message?: string; allow_retry: boolean };
}

async function act(s: Seat, type: string, payload?: Record<string, unknown>): Promise<ActionResult> {
  const events = await stream(base, s.secret, {
    type: 'threads.custom_action',
    params: {
      thread_id: s.threadId,
      item_id: s.widgetId,
      action: payload === undefined ? { type } : { type, payload },
    },
  });
  expect(nullPaths(events)).toStrictEqual([]);
  const replaced = events.find((e) => e.type === 'thread.item.replaced')?.item as WireItem | undefined;
  const error = events.find((e) => e.type === 'error') as ActionResult['error'] | undefined;
  return { events, ...(replaced?.widget ? { widget: replaced.widget } : {}), ...(error ? { error } : {}) };
}

/** Runs an action that must succeed and returns the widget it rendered. */
async function ok(s: Seat, type: string, payload?: Record<string, unknown>): Promise<Node> {
  const result = await act(s, type, payload);
  expect(result.error, JSON.stringify(result.events)).toBeUndefined();
  expect(result.widget, JSON.stringify(result.events)).toBeDefined();
  return result.widget as Node;
}

/** The widget as the thread now serves it (threads.get_by_id renders it afresh from the database). */
async function storedWidget(s: Seat): Promise<Node> {
  const thread = await json<{ items: { data: WireItem[] } }>(base, s.secret, {
    type: 'threads.get_by_id',
    params: { thread_id: s.threadId },
  });
  const item = thread.items.data.find((i) => i.id === s.widgetId);
  if (!item?.widget) throw new Error('the widget item is gone');
  return item.widget;
}

/** The Confirm button's action of a pending confirmation. */
function confirmAction(widget: Node): { type: string; payload: Record<string, unknown> } {
  return button(widget, 'Confirm').onClickAction as { type: string; payload: Record<string, unknown> };
}

/** The notice row's text (the line under the header), if any. */
function noticeText(widget: Node): string | undefined {
  const row = allNodes(widget).find(
    (n) => n.type === 'Row' && Array.isArray(n.children) && (n.children as Node[])[0]?.type === 'Badge',
  );
  return (row?.children as Node[] | undefined)?.find((n) => n.type === 'Text')?.value as string | undefined;
}

/** The progress box of the latest intervention (the only Box with a status Badge): title, badge, progress line. */
function progressBox(widget: Node): { title: string; badge: string; progress: string; detail: string } | undefined {
  const box = allNodes(widget).find((n) => n.type === 'Box' && allNodes(n).some((c) => c.type === 'Badge'));
  if (!box) return undefined;
  const nodes = allNodes(box);
  return {
    title: String(nodes.find((n) => n.type === 'Text')?.value),
    badge: String(nodes.find((n) => n.type === 'Badge')?.label),
    progress: String(nodes.find((n) => n.type === 'Caption')?.value),
    detail: String(nodes.find((n) => n.type === 'Markdown')?.value ?? ''),
  };
}

async function interventionsOf(course: Course) {
  const { rows } = await t.pool.query<{ id: string; kind: string; status: string }>(
    'SELECT id, kind, status FROM interventions WHERE course_id = $1 ORDER BY created_at',
    [course.id],
  );
  return rows;
}

/** Waits until the course's interventions have all finished (completed or failed) and returns them. */
async function settled(course: Course) {
  await expect
    .poll(
      async () => (await interventionsOf(course)).every((i) => i.status === 'completed' || i.status === 'failed'),
      SETTLE,
    )
    .toBe(true);
  return interventionsOf(course);
}

/** Every request the fake Canvas received about the course (its quizzes, or messages in its context). */
const requestsTo = (course: Course) =>
  canvas.requests.filter(
    (r) =>
      r.path.startsWith(`/api/v1/courses/${course.lmsCourseId}/`) ||
      r.form?.context_code === `course_${course.lmsCourseId}`,
  );

describe('intervention.notify from the widget', () => {
  it('confirms first; a double-clicked Confirm messages each confused student once, through rate limits', async () => {
    const course = await canvasCourse();
    const teacher = await seat(course, 'prof', 'Instructor');
    const messages = () => canvas.messages.filter((m) => m.courseId === course.lmsCourseId);

    const pending = await ok(teacher, 'intervention.notify', {
      recipient_filter: 'confused_students',
      message: MESSAGE,
    });
    expect(widgetText(pending)).toContain('Send this notification?');
    expect(String(findNode(pending, 'Markdown')?.value)).toContain(`> ${MESSAGE}`);
    expect(await interventionsOf(course)).toStrictEqual([]);
    expect(messages()).toStrictEqual([]);

    canvas.failNext(2, 'rate-limit', { pathPrefix: '/api/v1/conversations' });
    const faultsBefore = canvas.requests.filter((r) => r.fault === 'rate-limit').length;
    const confirm = confirmAction(await storedWidget(teacher));
    expect(confirm.payload).toMatchObject({ confirmed: true, confirmation_id: expect.any(String) });
    // A double click: both clicks reach the server before either has answered.
    const clicks = await Promise.all([
      ok(teacher, confirm.type, confirm.payload),
      ok(teacher, confirm.type, confirm.payload),
    ]);
    for (const widget of clicks) {
      expect(noticeText(widget)).toBe('Message queued for 3 students: progress below.');
      expect(findNode(widget, 'Button', { label: 'Confirm' })).toBeUndefined();
    }

    const done = await settled(course);
    expect(done).toStrictEqual([{ id: expect.any(String), kind: 'notify', status: 'completed' }]);
    expect(canvas.requests.filter((r) => r.fault === 'rate-limit').length - faultsBefore).toBe(2);
    expect(
      messages()
        .map((m) => m.recipientId)
        .sort(),
    ).toStrictEqual(CONFUSED_IDS);
    expect(messages().every((m) => m.body === MESSAGE)).toBe(true);

    expect(progressBox(await storedWidget(teacher))).toStrictEqual({
      title: 'Message to confused students',
      badge: 'Done',
      progress: '3 of 3 sent',
      detail: '',
    });
    // A late third click (a retried request) finds the same intervention: nothing more is sent.
    await ok(teacher, confirm.type, confirm.payload);
    expect(await interventionsOf(course)).toHaveLength(1);
    expect(messages()).toHaveLength(3);
  });
});

describe('intervention.assign from the widget', () => {
  it('previews five questions; Cancel sends nothing; Confirm makes the previewed quiz in Canvas once', async () => {
    const course = await canvasCourse();
    const teacher = await seat(course, 'prof', 'Instructor');
    const quizzes = () => canvas.quizzes.filter((q) => q.courseId === course.lmsCourseId);
    const assign = { quiz_type: 'remedial', topics: 'Gradient descent' };

    const preview = await ok(teacher, 'intervention.assign', assign);
    expect(widgetText(preview)).toContain('Assign this quiz?');
    expect(String(findNode(preview, 'Markdown')?.value).match(/^\d\. /gm)).toHaveLength(5);
    const cancelled = await ok(teacher, 'intervention.cancel');
    expect(noticeText(cancelled)).toBe('Cancelled: nothing was sent.');
    expect(findNode(await storedWidget(teacher), 'Button', { label: 'Confirm' })).toBeUndefined();
    expect(requestsTo(course)).toStrictEqual([]);
    expect(await interventionsOf(course)).toStrictEqual([]);

    const again = await ok(teacher, 'intervention.assign', assign);
    const summary = String(findNode(again, 'Markdown')?.value);
    // The answer the instructor sees ticked under each of the five questions.
    const ticked = [...summary.matchAll(/^ {3}- ✓ (.+)$/gm)].map((m) => m[1]);
    expect(ticked).toHaveLength(5);
    canvas.failNext(1, '500', { pathPrefix: `/api/v1/courses/${course.lmsCourseId}/quizzes` });
    const confirm = confirmAction(again);
    expect(confirm.payload).toMatchObject({ quiz_type: 'remedial', topics: ['Gradient descent'], confirmed: true });
    expect(noticeText(await ok(teacher, confirm.type, confirm.payload))).toBe(
      'Quiz queued for 3 students: progress below.',
    );

    expect(await settled(course)).toStrictEqual([{ id: expect.any(String), kind: 'assign', status: 'completed' }]);
    expect(requestsTo(course).filter((r) => r.fault === '500')).toHaveLength(1);
    expect(quizzes()).toHaveLength(1);
    const [quiz] = quizzes();
    expect(quiz?.quizType).toBe('practice_quiz');
    expect(quiz?.published).toBe(true);
    expect(quiz?.onlyVisibleToOverrides).toBe(true);
    expect(quiz?.questions).toHaveLength(5);
    expect(quiz?.questions.map((q) => q.answers.filter((a) => a.weight === 100).map((a) => a.text))).toStrictEqual(
      ticked.map((answer) => [answer]),
    );
    expect(quiz?.overrides.map((o) => [...o.studentIds].sort())).toStrictEqual([CONFUSED_IDS]);

    const box = progressBox(await storedWidget(teacher));
    expect(box).toMatchObject({
      title: 'Remedial quiz for confused students',
      badge: 'Done',
      progress: '3 of 3 assigned',
    });
    expect(box?.detail).toContain(`(${canvas.baseUrl}/courses/${course.lmsCourseId}/quizzes/${quiz?.id})`);
  });
});

describe('students and interventions', () => {
  it('refuses a student the intervention actions and never shows them the progress box', async () => {
    const course = await canvasCourse();
    const teacher = await seat(course, 'prof', 'Instructor');
    const student = await seat(course, 'ada', 'Learner');
    const sent = await t.call('notify_students_via_lms', {
      course_id: course.id,
      recipient_filter: 'all_students',
      message: MESSAGE,
    });
    expect(sent.statusCode, sent.body).toBe(200);
    await settled(course);
    expect(progressBox(await storedWidget(teacher))).toMatchObject({ badge: 'Done', progress: '4 of 4 sent' });
    const requests = canvas.requests.length;

    const before = await storedWidget(student);
    for (const [type, payload] of [
      [
        'intervention.notify',
        { recipient_filter: 'all_students', message: 'Hi', confirmed: true, confirmation_id: randomUUID() },
      ],
      ['intervention.notify', { recipient_filter: 'confused_students', message: 'Hi' }],
      ['intervention.assign', { quiz_type: 'remedial', topics: 'Gradient descent', confirmed: true }],
      ['intervention.cancel', {}],
    ] as const) {
      const result = await act(student, type, payload);
      expect(
        result.events.map((e) => e.type),
        type,
      ).toStrictEqual(['stream_options', 'error']);
      expect(result.error).toMatchObject({ code: 'custom', message: expect.stringMatching(/instructor/i) });
    }
    expect(await storedWidget(student)).toStrictEqual(before);
    expect(await interventionsOf(course)).toHaveLength(1);
    expect(canvas.requests.length).toBe(requests);

    expect(progressBox(before)).toBeUndefined();
    const text = widgetText(before);
    expect(text).not.toContain('Message to');
    expect(text).not.toMatch(/\d of \d sent/);
    expect(findNode(before, 'Button', { label: 'Notify students…' })).toBeUndefined();
  });
});
