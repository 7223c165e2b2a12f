/**
 * One way in: HTTP, MCP and the ChatKit widget all call the registry, so each refuses what the others refuse. The case
 * that once differed: a notification over the 10,000-character limit was refused over HTTP and MCP but stored and
 * queued for the LMS through the widget. Here the course is fully connected (roster, a fake Canvas, confused
 * students), so the limit is the only thing that can stop the message; a message within it goes through.
 */
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSlides, buildTestApp, DEMO_LECTURE, TEST_SECRET, type TestApp, uniqueId } from './helpers/app.js';
import { listen, openSession, openThread, stream, type WireItem } from './helpers/chatkit.js';
import { type FakeCanvas, startFakeCanvas } from './helpers/fake-canvas.js';
import { allNodes } from './helpers/widgets.js';

const TOO_LONG = 'Please review gradient descent. '.repeat(625); // 20,000 characters
const FINE = 'We will go over gradient descent again on Thursday.';

let t: TestApp;
let base: string;
let canvas: FakeCanvas;
let mcp: Client;
let course: string;

beforeAll(async () => {
  canvas = await startFakeCanvas();
  t = await buildTestApp();
  base = await listen(t);
  const { port } = t.app.server.address() as AddressInfo;
  mcp = new Client({ name: 'transports-agree', version: '1.0.0' });
  await mcp.connect(
    new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`), {
      requestInit: { headers: { Authorization: `Bearer ${TEST_SECRET}` } },
    }),
  );

  course = uniqueId('course');
  const lmsCourse = String(Math.floor(Math.random() * 1e6));
  await addSlides(t.pool, course, DEMO_LECTURE.slice(0, 3));
  const admin = (url: string, payload: unknown) =>
    t.app.inject({
      method: 'PUT',
      url,
      headers: { authorization: `Bearer ${TEST_SECRET}`, 'content-type': 'application/json' },
      payload: JSON.stringify(payload),
    });
  const students = ['ada', 'alan', 'grace'].map((name, i) => ({ user_id: `${course}-${name}`, lms: String(101 + i) }));
  const roster = await admin(`/api/admin/courses/${course}/roster`, [
    ...students.map((s) => ({ user_id: s.user_id, lms_user_id: s.lms, name: s.user_id, role: 'student' })),
    { user_id: `${course}-prof`, lms_user_id: '900', name: 'Prof', role: 'instructor' },
  ]);
  expect(roster.statusCode, roster.body).toBe(200);
  canvas.addCourse(
    lmsCourse,
    students.map((s) => ({ id: s.lms, name: s.user_id })),
  );
  const connection = await admin(`/api/admin/courses/${course}/lms`, {
    kind: 'canvas',
    base_url: canvas.baseUrl,
    token: canvas.token,
    lms_course_id: lmsCourse,
  });
  expect(connection.statusCode, connection.body).toBe(200);
  for (const s of students) {
    const ping = await t.call('track_confusion', { user_id: s.user_id, course_id: course, slide_id: 'slide-2' });
    expect(ping.statusCode, ping.body).toBe(200);
  }
});

afterAll(async () => {
  await mcp?.close();
  await t?.close();
  await canvas?.close();
});

const interventions = async () =>
  (await t.pool.query('SELECT count(*)::int AS n FROM interventions WHERE course_id = $1', [course])).rows[0].n;

/** Runs a widget action as the course's instructor; returns the notice the widget shows, or the error event. */
async function widgetAction(type: string, payload: Record<string, unknown>) {
  const { client_secret } = await openSession(t, {
    userId: `${course}-prof`,
    courseId: course,
    courseName: 'Transports 101',
    role: 'Instructor',
  });
  const { threadId, widget } = await openThread(base, client_secret);
  const events = await stream(base, client_secret, {
    type: 'threads.custom_action',
    params: { thread_id: threadId, item_id: widget.id, action: { type, payload } },
  });
  const replaced = events.find((e) => e.type === 'thread.item.replaced')?.item as WireItem | undefined;
  const texts = replaced?.widget ? allNodes(replaced.widget).map((n) => String(n.value ?? '')) : [];
  return { texts, error: events.find((e) => e.type === 'error') };
}

describe('an over-long notify_students_via_lms message', () => {
  const args = { course_id: '', recipient_filter: 'confused_students', message: TOO_LONG };

  it('is refused over HTTP with 400 naming the field', async () => {
    const response = await t.call('notify_students_via_lms', { ...args, course_id: course });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      error: 'validation_failed',
      details: [{ path: 'message', message: 'must be at most 10000 characters' }],
    });
  });

  it('is refused over MCP with an error result saying the same', async () => {
    const result = (await mcp.callTool({
      name: 'notify_students_via_lms',
      arguments: { ...args, course_id: course },
    })) as CallToolResult;
    expect(result.isError).toBe(true);
    const item = result.content[0];
    expect(item?.type).toBe('text');
    expect(JSON.parse(item?.type === 'text' ? item.text : '{}')).toMatchObject({
      error: 'validation_failed',
      details: [{ path: 'message', message: 'must be at most 10000 characters' }],
    });
  });

  it('is refused through the widget, both at the preview and at a forged Confirm, and nothing is queued', async () => {
    const before = await interventions();
    for (const payload of [
      { recipient_filter: 'confused_students', message: TOO_LONG },
      { recipient_filter: 'confused_students', message: TOO_LONG, confirmed: true, confirmation_id: 'c-long' },
    ]) {
      const { texts, error } = await widgetAction('intervention.notify', payload);
      expect(error).toBeUndefined();
      expect(
        texts.some((text) => text.includes('message must be at most 10000 characters')),
        texts.join(' | '),
      ).toBe(true);
    }
    expect(await interventions()).toBe(before);
    expect(canvas.conversations).toHaveLength(0);
  });

  it('while a message within the limit is queued through the widget, as through HTTP', async () => {
    const before = await interventions();
    const { texts, error } = await widgetAction('intervention.notify', {
      recipient_filter: 'confused_students',
      message: FINE,
      confirmed: true,
      confirmation_id: 'c-fine',
    });
    expect(error).toBeUndefined();
    expect(
      texts.some((text) => text.startsWith('Message queued for 3 students')),
      texts.join(' | '),
    ).toBe(true);
    expect(await interventions()).toBe(before + 1);
  });
});
