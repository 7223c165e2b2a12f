/**
 * The Class Assist widget's actions through `threads.custom_action` (the specification's "Widget Actions → Function
 * Mapping"), for both roles: what each stores, as whom, what the replaced widget then shows, that the replacement is
 * persisted, and that students can never run the instructor's actions.
 */

import { randomUUID } from 'node:crypto';
import { INSTRUCTOR_ACTIONS, WIDGET_ACTIONS, type WidgetActionType } from '@class-assist/contracts';
import { parse } from 'csv-parse/sync';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSlides, buildTestApp, DEMO_LECTURE, type TestApp, uniqueId } from './helpers/app.js';
import {
  findNode,
  itemAt,
  json,
  listen,
  nullPaths,
  openSession,
  openThread,
  stream,
  textInput,
  type WireItem,
  widgetText,
} from './helpers/chatkit.js';
import { allNodes, button, type Node } from './helpers/widgets.js';

const NOW = new Date('2026-03-10T10:00:00.000Z');
const NOTES = 'The model is **y = ax + b**.\n\n- a: slope\n- b: intercept';

let t: TestApp;
let base: string;

/** A member with a thread holding the Class Assist widget. */
interface Seat {
  userId: string;
  courseId: string;
  secret: string;
  threadId: string;
  widgetId: string;
}

interface ActionResult {
  events: Array<Record<string, unknown>>;
  /** The replaced widget's tree, when the action replaced it. */
  widget?: Node;
  /** Assistant messages added by the action. */
  messages: string[];
  error?: { code: string; message?: string; allow_retry: boolean };
}

/** A course of its own with three slides (the second with notes). */
async function newCourse(): Promise<string> {
  const course = uniqueId('course');
  await addSlides(t.pool, course, [
    { id: 'slide-1', title: 'Intro' },
    { id: 'slide-2', title: 'Regression', topic: 'Linear regression', notes: NOTES },
    { id: 'slide-3', title: 'Loss' },
  ]);
  return course;
}

async function seat(courseId: string, role: 'Learner' | 'Instructor'): Promise<Seat> {
  const userId = uniqueId(role === 'Learner' ? 'student' : 'teacher');
  const { client_secret } = await openSession(t, { userId, courseId, courseName: 'Actions 101', role });
  const { threadId, widget } = await openThread(base, client_secret);
  return { userId, courseId, secret: client_secret, threadId, widgetId: widget.id };
}

async function act(s: Seat, type: string, payload?: Record<string, unknown>, itemId = s.widgetId) {
  const events = await stream(base, s.secret, {
    type: 'threads.custom_action',
    params: { thread_id: s.threadId, item_id: itemId, action: payload === undefined ? { type } : { type, payload } },
  });
  expect(nullPaths(events)).toStrictEqual([]);
  const result: ActionResult = { events, messages: [] };
  for (const event of events) {
    if (event.type === 'thread.item.replaced') {
      const item = event.item as WireItem;
      expect(item.id).toBe(s.widgetId);
      expect(item).not.toHaveProperty('class_assist');
      result.widget = item.widget as Node;
    } else if (event.type === 'thread.item.done') {
      const item = event.item as WireItem;
      expect(item.type).toBe('assistant_message');
      result.messages.push(item.content?.[0]?.text ?? '');
    } else if (event.type === 'error') {
      result.error = event as unknown as ActionResult['error'];
    }
  }
  return result;
}

/** Runs an action that must succeed: stream_options, the replaced widget, then any messages. */
async function ok(s: Seat, type: string, payload?: Record<string, unknown>): Promise<ActionResult> {
  const result = await act(s, type, payload);
  expect(result.error, JSON.stringify(result.events)).toBeUndefined();
  expect(result.events[0]).toStrictEqual({ type: 'stream_options', stream_options: { allow_cancel: true } });
  expect(result.events[1]?.type).toBe('thread.item.replaced');
  expect(result.widget).toBeDefined();
  return result;
}

/** Runs an action that must be refused: stream_options and an error event with a message, nothing replaced. */
async function refused(s: Seat, type: string, payload?: Record<string, unknown>): Promise<ActionResult> {
  const before = await storedWidget(s);
  const result = await act(s, type, payload);
  expect(result.events.map((e) => e.type)).toStrictEqual(['stream_options', 'error']);
  expect(result.error).toMatchObject({ code: 'custom', message: expect.any(String), allow_retry: false });
  expect(await storedWidget(s)).toStrictEqual(before);
  return result;
}

/** The widget as the thread now serves it (threads.get_by_id). */
async function storedWidget(s: Seat): Promise<Node> {
  const thread = await json<{ items: { data: WireItem[] } }>(base, s.secret, {
    type: 'threads.get_by_id',
    params: { thread_id: s.threadId },
  });
  const item = thread.items.data.find((i) => i.id === s.widgetId);
  if (!item?.widget) throw new Error('the widget item is gone');
  return item.widget;
}

/** The notice row of a widget: its badge label and text. */
function notice(widget: Node | undefined): { badge: string; text: string } | undefined {
  if (!widget) return undefined;
  const badge = allNodes(widget).find((n) => n.type === 'Badge');
  if (!badge) return undefined;
  const row = allNodes(widget).find(
    (n) => n.type === 'Row' && Array.isArray(n.children) && (n.children as Node[]).includes(badge),
  );
  const text = (row?.children as Node[] | undefined)?.find((n) => n.type === 'Text');
  return { badge: String(badge.label), text: String(text?.value) };
}

const askForm = (widget: Node | undefined) =>
  widget ? findNode(widget, 'Form', { onSubmitAction: { type: 'question.submit' } }) : undefined;

async function confusionOf(courseId: string) {
  const { rows } = await t.pool.query<{ course_id: string; user_id: string; slide_id: string | null }>(
    'SELECT course_id, user_id, slide_id FROM confusion_events WHERE course_id = $1 ORDER BY id',
    [courseId],
  );
  return rows;
}

async function questionsOf(courseId: string) {
  const { rows } = await t.pool.query<{ user_id: string | null; anonymous: boolean; body: string }>(
    'SELECT user_id, anonymous, body FROM questions WHERE course_id = $1 ORDER BY created_at, body',
    [courseId],
  );
  return rows;
}

async function currentSlide(courseId: string): Promise<string | null> {
  const { rows } = await t.pool.query('SELECT current_slide_id FROM courses WHERE id = $1', [courseId]);
  return rows[0]?.current_slide_id ?? null;
}

beforeAll(async () => {
  t = await buildTestApp();
  t.clock.set(NOW);
  base = await listen(t);
});
afterAll(() => t.close());

describe('confusion.ping', () => {
  it("stores the event for the session's user and course, whatever the payload says, and says so", async () => {
    const course = await newCourse();
    const student = await seat(course, 'Learner');
    const elsewhere = await newCourse();
    const result = await ok(student, 'confusion.ping', {
      slide_id: 'slide-2',
      course_id: elsewhere,
      user_id: 'somebody-else',
    });
    expect(result.events).toHaveLength(2);
    expect(notice(result.widget)).toStrictEqual({
      badge: 'Done',
      text: 'Noted. Your instructor can see this slide is confusing.',
    });
    expect(await confusionOf(course)).toStrictEqual([
      { course_id: course, user_id: student.userId, slide_id: 'slide-2' },
    ]);
    expect(await confusionOf(elsewhere)).toStrictEqual([]);
    const { rows } = await t.pool.query('SELECT 1 FROM confusion_events WHERE user_id = $1', ['somebody-else']);
    expect(rows).toStrictEqual([]);
    // The replacement is what the thread keeps.
    expect(await storedWidget(student)).toStrictEqual(result.widget);
  });

  it('answers a repeat with "Already noted" and stores it once', async () => {
    const course = await newCourse();
    const student = await seat(course, 'Learner');
    await ok(student, 'confusion.ping', { slide_id: 'slide-1' });
    const again = await ok(student, 'confusion.ping', { slide_id: 'slide-1' });
    expect(notice(again.widget)?.text).toMatch(/^Already noted/);
    expect(notice(again.widget)?.badge).toBe('Note');
    expect(await confusionOf(course)).toHaveLength(1);
  });

  it("sends what the rendered I'm Confused button sends, and an instructor may ping too", async () => {
    const course = await newCourse();
    const student = await seat(course, 'Learner');
    const action = button(await storedWidget(student), "I'm Confused").onClickAction as {
      type: string;
      payload: Record<string, unknown>;
    };
    expect(action).toStrictEqual({ type: 'confusion.ping', payload: { slide_id: 'slide-1' } });
    await ok(student, action.type, action.payload);
    const teacher = await seat(course, 'Instructor');
    await ok(teacher, 'confusion.ping', { slide_id: 'slide-3' });
    expect(await confusionOf(course)).toStrictEqual([
      { course_id: course, user_id: student.userId, slide_id: 'slide-1' },
      { course_id: course, user_id: teacher.userId, slide_id: 'slide-3' },
    ]);
  });
});

describe('question.submit and ui.toggle', () => {
  it('ui.toggle opens and closes the question form, and the thread keeps it open', async () => {
    const student = await seat(await newCourse(), 'Learner');
    expect(askForm(await storedWidget(student))).toBeUndefined();
    const opened = await ok(student, 'ui.toggle', { field: 'askOpen' });
    const form = askForm(opened.widget);
    expect(form).toBeDefined();
    expect(findNode(form as Node, 'Textarea', { name: 'question_body' })).toBeDefined();
    expect(findNode(form as Node, 'Checkbox', { name: 'anonymous' })).toBeDefined();
    expect(askForm(await storedWidget(student))).toBeDefined();
    const closed = await ok(student, 'ui.toggle', { field: 'askOpen' });
    expect(askForm(closed.widget)).toBeUndefined();
    expect(askForm(await storedWidget(student))).toBeUndefined();
  });

  it('stores an anonymous question without its author and closes the form', async () => {
    const course = await newCourse();
    const student = await seat(course, 'Learner');
    await ok(student, 'ui.toggle', { field: 'askOpen' });
    const result = await ok(student, 'question.submit', { question_body: '  Why squared errors? ', anonymous: true });
    expect(askForm(result.widget)).toBeUndefined();
    expect(notice(result.widget)).toStrictEqual({ badge: 'Done', text: 'Question sent anonymously.' });
    expect(await questionsOf(course)).toStrictEqual([{ user_id: null, anonymous: true, body: 'Why squared errors?' }]);
    // Nor is the author in the log line of the call.
    const calls = t.logs.filter((line) => line.includes('"fn":"submit_question"'));
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.filter((line) => line.includes(student.userId))).toStrictEqual([]);
  });

  it("stores a named question with its author (the checkbox's 'on' counts as anonymous)", async () => {
    const course = await newCourse();
    const student = await seat(course, 'Learner');
    const named = await ok(student, 'question.submit', { question_body: 'Named?' });
    expect(notice(named.widget)?.text).toBe('Question sent.');
    await ok(student, 'question.submit', { question_body: 'Checkbox?', anonymous: 'on' });
    expect(await questionsOf(course)).toStrictEqual([
      { user_id: null, anonymous: true, body: 'Checkbox?' },
      { user_id: student.userId, anonymous: false, body: 'Named?' },
    ]);
  });

  it('warns about an empty question, stores nothing and keeps the form open', async () => {
    const course = await newCourse();
    const student = await seat(course, 'Learner');
    await ok(student, 'ui.toggle', { field: 'askOpen' });
    for (const payload of [{ question_body: '   ', anonymous: true }, {}]) {
      const result = await ok(student, 'question.submit', payload);
      expect(notice(result.widget)?.badge).toBe('Heads up');
      expect(notice(result.widget)?.text).toMatch(/question_body/);
      expect(askForm(result.widget)).toBeDefined();
    }
    expect(await questionsOf(course)).toStrictEqual([]);
  });
});

describe('view.set', () => {
  it('switches an instructor between the views (payload view, or a Select value)', async () => {
    const teacher = await seat(await newCourse(), 'Instructor');
    const asStudent = await ok(teacher, 'view.set', { view: 'student' });
    expect(findNode(asStudent.widget as Node, 'Button', { label: "I'm Confused" })).toBeDefined();
    expect(findNode(asStudent.widget as Node, 'Select', { name: 'view' })?.defaultValue).toBe('student');
    expect(findNode(asStudent.widget as Node, 'Chart')).toBeUndefined();
    expect(findNode(await storedWidget(teacher), 'Select', { name: 'view' })?.defaultValue).toBe('student');
    const back = await ok(teacher, 'view.set', { value: 'instructor' });
    expect(findNode(back.widget as Node, 'Caption', { value: 'Instructor dashboard' })).toBeDefined();
    expect(findNode(back.widget as Node, 'Select', { name: 'view' })?.defaultValue).toBe('instructor');
  });

  it('refuses a student the instructor view', async () => {
    const student = await seat(await newCourse(), 'Learner');
    const result = await refused(student, 'view.set', { view: 'instructor' });
    expect(result.error?.message).toMatch(/instructor/i);
    expect(findNode(await storedWidget(student), 'Select', { name: 'view' })).toBeUndefined();
    // The student view is theirs already: asking for it changes nothing they can see.
    await ok(student, 'view.set', { view: 'student' });
  });

  it('warns about an unknown view', async () => {
    const teacher = await seat(await newCourse(), 'Instructor');
    const result = await ok(teacher, 'view.set', { view: 'admin' });
    expect(notice(result.widget)?.badge).toBe('Heads up');
    expect(findNode(result.widget as Node, 'Select', { name: 'view' })?.defaultValue).toBe('instructor');
  });
});

describe('slide.set', () => {
  it("moves the course's current slide; a student's ping without a slide lands on it", async () => {
    const course = await newCourse();
    const teacher = await seat(course, 'Instructor');
    const next = button(await storedWidget(teacher), 'Next').onClickAction as { type: string; payload: object };
    expect(next).toStrictEqual({ type: 'slide.set', payload: { slide_id: 'slide-2' } });
    await ok(teacher, next.type, next.payload as Record<string, unknown>);
    const result = await ok(teacher, 'slide.set', { slide_id: 'slide-3' });
    expect(await currentSlide(course)).toBe('slide-3');
    expect(findNode(result.widget as Node, 'Text', { value: 'Slide 3 of 3 — Loss' })).toBeDefined();
    expect(button(result.widget as Node, 'Next').disabled).toBe(true);

    const student = await seat(course, 'Learner');
    expect(findNode(await storedWidget(student), 'Caption', { value: 'Slide 3 of 3 — Loss' })).toBeDefined();
    await ok(student, 'confusion.ping');
    await ok(student, 'confusion.ping', {});
    expect(await confusionOf(course)).toStrictEqual([
      { course_id: course, user_id: student.userId, slide_id: 'slide-3' },
    ]);
  });

  it('refuses a student with an error event, and an unknown slide', async () => {
    const course = await newCourse();
    const student = await seat(course, 'Learner');
    const result = await refused(student, 'slide.set', { slide_id: 'slide-2' });
    expect(result.error?.message).toMatch(/instructor/i);
    expect(await currentSlide(course)).toBeNull();
    const teacher = await seat(course, 'Instructor');
    expect((await refused(teacher, 'slide.set', { slide_id: 'slide-99' })).error?.message).toMatch(/slide-99/);
    expect(await currentSlide(course)).toBeNull();
  });
});

describe('heatmap.refresh', () => {
  it('changes the time range the widget renders, and its figures', async () => {
    const course = await newCourse();
    const teacher = await seat(course, 'Instructor');
    const twoHoursAgo = new Date(NOW.getTime() - 2 * 3600_000).toISOString();
    const ping = await t.call('track_confusion', {
      user_id: uniqueId('student'),
      course_id: course,
      slide_id: 'slide-2',
      timestamp: twoHoursAgo,
    });
    expect(ping.statusCode, ping.body).toBe(200);
    const confused = (widget: Node | undefined) =>
      ((findNode(widget as Node, 'Chart')?.data ?? []) as Array<{ slide_id: string; confused: number }>).find(
        (p) => p.slide_id === 'slide-2',
      )?.confused;

    const today = await ok(teacher, 'heatmap.refresh', { time_range: 'today' });
    expect(findNode(today.widget as Node, 'Select', { name: 'time_range' })?.defaultValue).toBe('today');
    expect(confused(today.widget)).toBe(100);

    const lastHour = await ok(teacher, 'heatmap.refresh', { time_range: 'last_hour' });
    expect(findNode(lastHour.widget as Node, 'Select', { name: 'time_range' })?.defaultValue).toBe('last_hour');
    expect(button(lastHour.widget as Node, 'Refresh').onClickAction).toStrictEqual({
      type: 'heatmap.refresh',
      payload: { time_range: 'last_hour' },
    });
    expect(confused(lastHour.widget)).toBe(0);
    expect(findNode(await storedWidget(teacher), 'Select', { name: 'time_range' })?.defaultValue).toBe('last_hour');

    const week = await ok(teacher, 'heatmap.refresh', { value: 'this_week' });
    expect(findNode(week.widget as Node, 'Select', { name: 'time_range' })?.defaultValue).toBe('this_week');
    // An unknown range keeps the current one.
    const kept = await ok(teacher, 'heatmap.refresh', { time_range: 'forever' });
    expect(findNode(kept.widget as Node, 'Select', { name: 'time_range' })?.defaultValue).toBe('this_week');
  });
});

describe('intervention.export', () => {
  it('answers with a download link of the CSV, which expires after 10 minutes', async () => {
    const course = await newCourse();
    const teacher = await seat(course, 'Instructor');
    const student = await seat(course, 'Learner');
    await ok(student, 'confusion.ping', { slide_id: 'slide-1' });
    await ok(student, 'confusion.ping', { slide_id: 'slide-2' });

    const result = await ok(teacher, 'intervention.export', { format: 'csv' });
    expect(result.messages).toHaveLength(1);
    const link = /\]\((\/api\/exports\/[\w.-]+)\)/.exec(result.messages[0] ?? '')?.[1];
    expect(link, result.messages[0]).toBeDefined();

    const download = await fetch(`${base}${link}`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(download.headers.get('content-disposition')).toMatch(/^attachment; filename=".+\.csv"$/);
    const rows: string[][] = parse(await download.text());
    expect(rows[0]).toStrictEqual(['event_id', 'course_id', 'slide_id', 'user_id', 'timestamp']);
    expect(rows.slice(1).map((r) => [r[1], r[2], r[3]])).toStrictEqual([
      [course, 'slide-1', student.userId],
      [course, 'slide-2', student.userId],
    ]);

    t.clock.advance(11 * 60);
    try {
      const late = await fetch(`${base}${link}`);
      expect(late.status).toBe(401);
      expect(((await late.json()) as { error: string }).error).toBe('unauthorized');
    } finally {
      t.clock.set(NOW);
    }
  });

  it('refuses links a student makes up', async () => {
    const course = await newCourse();
    const student = await seat(course, 'Learner');
    const wrongKey = new TextEncoder().encode('not-the-session-secret-0123456789abcdef');
    const forged = await new SignJWT({ course, cn: course, role: 'instructor', x: { format: 'csv' } })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(student.userId)
      .setAudience('class-assist:export')
      .setIssuedAt(Math.floor(NOW.getTime() / 1000))
      .setExpirationTime(Math.floor(NOW.getTime() / 1000) + 600)
      .sign(wrongKey);
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${forged.split('.')[1]}.`;
    for (const token of [student.secret, forged, unsigned, 'nonsense']) {
      const response = await fetch(`${base}/api/exports/${token}`);
      expect(response.status, token).toBe(401);
    }
    await refused(student, 'intervention.export', { format: 'csv' });
  });
});

describe('intervention.notify, intervention.assign, intervention.cancel', () => {
  it('asks for confirmation first, rendering the Confirm button with the confirmed action', async () => {
    const teacher = await seat(await newCourse(), 'Instructor');
    const result = await ok(teacher, 'intervention.notify', {
      recipient_filter: 'confused_students',
      message: 'Please re-read slide 2',
    });
    expect(widgetText(result.widget as Node)).toContain('Send this notification?');
    const summary = findNode(result.widget as Node, 'Markdown')?.value;
    expect(summary).toMatch(/the students confused in this lecture/);
    expect(summary).toMatch(/> Please re-read slide 2/);
    const confirm = button(result.widget as Node, 'Confirm').onClickAction as {
      type: string;
      payload: Record<string, unknown>;
    };
    expect(confirm).toStrictEqual({
      type: 'intervention.notify',
      payload: {
        recipient_filter: 'confused_students',
        message: 'Please re-read slide 2',
        confirmed: true,
        confirmation_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      },
    });
    expect(button(await storedWidget(teacher), 'Confirm').onClickAction).toStrictEqual(confirm);

    // Confirmed in a course without an LMS connection: a warning says what to set up; the confirmation is gone.
    const confirmed = await ok(teacher, confirm.type, confirm.payload);
    expect(notice(confirmed.widget)?.badge).toBe('Heads up');
    expect(notice(confirmed.widget)?.text).toMatch(/no LMS connection/);
    expect(findNode(confirmed.widget as Node, 'Button', { label: 'Confirm' })).toBeUndefined();
  });

  it('previews the quiz to assign, and cancel clears the pending confirmation', async () => {
    const course = uniqueId('course');
    await addSlides(t.pool, course, DEMO_LECTURE.slice(0, 8));
    const teacher = await seat(course, 'Instructor');
    await ok(teacher, 'intervention.assign', { quiz_type: 'practice', topics: 'Gradient descent, Overfitting' });
    const pending = await storedWidget(teacher);
    expect(widgetText(pending)).toContain('Assign this quiz?');
    // The instructor sees the questions and their answers before anything is assigned.
    const summary = String(findNode(pending, 'Markdown')?.value);
    expect(summary.match(/^\d\. /gm)).toHaveLength(5);
    expect(summary.match(/✓/g)).toHaveLength(5);
    const { rows } = await t.pool.query('SELECT id FROM quizzes WHERE course_id = $1', [course]);
    expect(button(pending, 'Confirm').onClickAction).toStrictEqual({
      type: 'intervention.assign',
      payload: {
        quiz_type: 'practice',
        topics: ['Gradient descent', 'Overfitting'],
        quiz_id: rows[0]?.id,
        confirmed: true,
        confirmation_id: expect.any(String),
      },
    });
    const cancelled = await ok(teacher, 'intervention.cancel');
    expect(findNode(cancelled.widget as Node, 'Button', { label: 'Confirm' })).toBeUndefined();
    expect(notice(cancelled.widget)?.text).toMatch(/Cancelled/);
    expect(findNode(await storedWidget(teacher), 'Button', { label: 'Confirm' })).toBeUndefined();
  });

  it('warns about a notification without a message or recipients, without asking to confirm', async () => {
    const teacher = await seat(await newCourse(), 'Instructor');
    for (const payload of [{ recipient_filter: 'confused_students' }, { recipient_filter: 'everyone', message: 'x' }]) {
      const result = await ok(teacher, 'intervention.notify', payload);
      expect(notice(result.widget)?.badge).toBe('Heads up');
      expect(findNode(result.widget as Node, 'Button', { label: 'Confirm' })).toBeUndefined();
    }
  });
});

describe('study tools', () => {
  it("study.notes answers with the slide's notes as Markdown", async () => {
    const student = await seat(await newCourse(), 'Learner');
    const result = await ok(student, 'study.notes', { slide_id: 'slide-2' });
    expect(result.messages).toStrictEqual([`### Regression\n\n${NOTES}`]);
    const thread = await json<{ items: { data: WireItem[] } }>(base, student.secret, {
      type: 'threads.get_by_id',
      params: { thread_id: student.threadId },
    });
    expect(thread.items.data.map((i) => i.type)).toStrictEqual(['widget', 'assistant_message']);
    const none = await ok(student, 'study.notes', { slide_id: 'slide-3' });
    expect(none.messages[0]).toMatch(/No notes yet/);
  });

  it('study.quiz says why there is no quiz and study.explain answers from the notes', async () => {
    const student = await seat(await newCourse(), 'Learner');
    const quiz = await ok(student, 'study.quiz', { focus: 'confusion-zones' });
    // One term defined in the whole course leaves nothing to draw distractors from: no quiz, and it says why.
    expect(quiz.messages).toHaveLength(1);
    expect(quiz.messages[0]).toMatch(/^Only 0 of 5 questions: the notes/);
    expect(widgetText(quiz.widget as Node)).not.toContain('Practice quiz');
    const explain = await ok(student, 'study.explain', { topic: 'Linear regression' });
    expect(notice(explain.widget)).toBeUndefined();
    expect(explain.messages).toHaveLength(1);
    expect(explain.messages[0]).toContain('Regression');
  });
});

describe('refusals', () => {
  it('refuses an unknown action type with an error event', async () => {
    const teacher = await seat(await newCourse(), 'Instructor');
    for (const type of ['confusion.pong', 'track_confusion', 'constructor', '__proto__']) {
      expect((await refused(teacher, type, {})).error?.message).toContain(type);
    }
  });

  it('refuses every instructor action to a student, and changes nothing', async () => {
    const course = await newCourse();
    const student = await seat(course, 'Learner');
    const payloads: Partial<Record<WidgetActionType, Record<string, unknown>>> = {
      'heatmap.refresh': { time_range: 'last_hour' },
      'intervention.export': { format: 'csv' },
      'intervention.notify': { recipient_filter: 'all_students', message: 'hi', confirmed: true },
      'intervention.assign': { quiz_type: 'remedial', confirmed: true },
      'intervention.cancel': {},
      'slide.set': { slide_id: 'slide-3' },
    };
    expect(Object.keys(payloads).sort()).toStrictEqual([...INSTRUCTOR_ACTIONS].sort());
    for (const type of INSTRUCTOR_ACTIONS) {
      const result = await refused(student, type, payloads[type]);
      expect(result.error?.message, type).toMatch(/instructor/i);
      expect(result.messages).toStrictEqual([]);
    }
    expect(await currentSlide(course)).toBeNull();
  });

  it('runs every action for the roles allowed to, and refuses the others', async () => {
    const course = await newCourse();
    const payloads: Record<WidgetActionType, Record<string, unknown>> = {
      'confusion.ping': { slide_id: 'slide-1' },
      'question.submit': { question_body: 'A question' },
      'study.quiz': { focus: 'confusion-zones' },
      'study.explain': { topic: 'Regression' },
      'study.notes': { slide_id: 'slide-2' },
      'quiz.answer': {},
      'quiz.next': {},
      'quiz.close': {},
      'heatmap.refresh': { time_range: 'today' },
      'intervention.export': { format: 'csv' },
      'intervention.notify': { recipient_filter: 'confused_students', message: 'hi' },
      'intervention.assign': { quiz_type: 'remedial' },
      'intervention.cancel': {},
      'view.set': { view: 'instructor' },
      'ui.toggle': { field: 'askOpen' },
      'slide.set': { slide_id: 'slide-2' },
    };
    for (const role of ['Learner', 'Instructor'] as const) {
      const member = await seat(course, role);
      for (const type of WIDGET_ACTIONS) {
        const allowed = role === 'Instructor' || !(INSTRUCTOR_ACTIONS.includes(type) || type === 'view.set');
        const result = await act(member, type, await withAttempt(member, type, payloads[type]));
        expect(Boolean(result.widget), `${role} ${type}: ${JSON.stringify(result.events)}`).toBe(allowed);
        expect(Boolean(result.error), `${role} ${type}`).toBe(!allowed);
      }
    }
  });

  /** quiz.answer and quiz.next name an attempt of the member's on a one-question quiz, stored here. */
  async function withAttempt(member: Seat, type: WidgetActionType, payload: Record<string, unknown>) {
    if (type !== 'quiz.answer' && type !== 'quiz.next') return payload;
    const quizId = randomUUID();
    const attemptId = randomUUID();
    const question = {
      id: 'q1',
      prompt: 'Slope?',
      choices: ['a', 'b'],
      answer_index: 0,
      explanation: '',
      slide_id: 'slide-2',
    };
    await t.pool.query(
      `INSERT INTO quizzes (id, course_id, user_id, focus, questions, source) VALUES ($1, $2, $3, 'test', $4, 'offline')`,
      [quizId, member.courseId, member.userId, JSON.stringify([question])],
    );
    await t.pool.query(
      'INSERT INTO quiz_attempts (id, quiz_id, course_id, user_id, started_at) VALUES ($1, $2, $3, $4, now())',
      [attemptId, quizId, member.courseId, member.userId],
    );
    return type === 'quiz.next'
      ? { attempt_id: attemptId }
      : { attempt_id: attemptId, question_id: 'q1', choice_index: 0 };
  }

  it('refuses an action sent from an item that is not a widget, or without an item', async () => {
    const student = await seat(await newCourse(), 'Learner');
    const said = await stream(base, student.secret, {
      type: 'threads.add_user_message',
      params: { thread_id: student.threadId, input: textInput('hello') },
    });
    const messageId = itemAt(said, 0).id;
    const fromMessage = await act(student, 'confusion.ping', {}, messageId);
    // As chatkit-python: only an error event, not even stream_options.
    expect(fromMessage.events).toStrictEqual([
      { type: 'error', code: 'stream.error', message: expect.any(String), allow_retry: false },
    ]);
    const noItem = await stream(base, student.secret, {
      type: 'threads.custom_action',
      params: { thread_id: student.threadId, action: { type: 'confusion.ping' } },
    });
    expect(noItem.map((e) => e.type)).toStrictEqual(['stream_options', 'error']);
    expect(noItem[1]).toMatchObject({ code: 'custom', message: expect.stringMatching(/item_id/) });
    expect(await confusionOf(student.courseId)).toStrictEqual([]);
    const unknown = await json(
      base,
      student.secret,
      {
        type: 'threads.custom_action',
        params: { thread_id: student.threadId, item_id: 'msg_missing', action: { type: 'ui.toggle' } },
      },
      404,
    );
    expect(unknown.error).toBe('not_found');
  });
});
