/**
 * Two widget actions at once on one widget. An explanation from a model can take seconds; a student who opens the
 * question form meanwhile must still find it open when the explanation arrives — each action saves only what it
 * changed, onto the widget as it is stored then (found by the browser suite, where the form vanished under load).
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSlides, buildTestApp, type TestApp, uniqueId } from './helpers/app.js';
import {
  findNode,
  json,
  listen,
  openSession,
  openThread,
  stream,
  type WireItem,
  widgetText,
} from './helpers/chatkit.js';
import { type FakeOpenAI, openAIError, startFakeOpenAI } from './helpers/fake-openai.js';
import type { Node } from './helpers/widgets.js';

const SLOW_MS = 1_500;

let fake: FakeOpenAI;
let t: TestApp;
let base: string;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  t = await buildTestApp({ env: { OPENAI_BASE_URL: fake.baseURL, OPENAI_MAX_RETRIES: '0' } });
  base = await listen(t);
});
afterAll(async () => {
  await t?.close();
  await fake?.close();
});

const askForm = (widget: Node | undefined) =>
  widget ? findNode(widget, 'Form', { onSubmitAction: { type: 'question.submit' } }) : undefined;

/** The widget of the action's `thread.item.replaced` event. */
function replacedWidget(events: Array<Record<string, unknown>>): Node | undefined {
  const replaced = events.find((e) => e.type === 'thread.item.replaced') as { item: WireItem } | undefined;
  return replaced?.item.widget;
}

/** A student of a new one-slide course, with a thread holding the widget, and how to act on that widget. */
async function seat() {
  const courseId = uniqueId('course');
  await addSlides(t.pool, courseId, [
    { id: 'slide-1', title: 'Regression', topic: 'Linear regression', notes: 'The slope a and the intercept b.' },
  ]);
  const { client_secret: secret } = await openSession(t, {
    userId: uniqueId('student'),
    courseId,
    courseName: 'Concurrency 101',
    role: 'Learner',
  });
  const { threadId, widget } = await openThread(base, secret);
  const act = (type: string, payload?: Record<string, unknown>) =>
    stream(base, secret, {
      type: 'threads.custom_action',
      params: { thread_id: threadId, item_id: widget.id, action: payload ? { type, payload } : { type } },
    });
  const stored = async () => {
    const thread = await json<{ items: { data: WireItem[] } }>(base, secret, {
      type: 'threads.get_by_id',
      params: { thread_id: threadId },
    });
    return thread.items.data.find((item) => item.id === widget.id)?.widget;
  };
  return { act, stored };
}

/** Starts an explanation that the model answers slowly (then fails: the notes answer after SLOW_MS). */
async function slowExplanation(act: (type: string, payload?: Record<string, unknown>) => Promise<unknown>) {
  fake.reset();
  fake.enqueue({ status: 500, body: openAIError('busy', null, 'server_error'), delayMs: SLOW_MS });
  const explaining = act('study.explain', { topic: 'Linear regression' });
  for (let i = 0; i < 100 && fake.requests.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  expect(fake.requests).toHaveLength(1);
  // Wrapped: an async function returning the promise itself would wait for it.
  return { done: explaining as Promise<Array<Record<string, unknown>>> };
}

describe('concurrent widget actions', () => {
  it('a slow explanation does not close the question form opened while it ran', async () => {
    const { act, stored } = await seat();
    const explaining = (await slowExplanation(act)).done;

    const toggled = await act('ui.toggle', { field: 'askOpen' });
    expect(askForm(replacedWidget(toggled))).toBeDefined();

    const explained = await explaining;
    const message = explained.find((e) => e.type === 'thread.item.done') as { item: WireItem } | undefined;
    expect(message?.item.content?.[0]?.text).toMatch(/slope a and the intercept b/);
    expect(askForm(replacedWidget(explained))).toBeDefined();
    // And as stored: a reload shows the form still open.
    expect(askForm(await stored())).toBeDefined();
  });

  it('keeps the notice another action set meanwhile, and still clears the one it started with', async () => {
    const { act, stored } = await seat();
    await act('confusion.ping', { slide_id: 'slide-1' });
    expect(widgetText((await stored()) as Node)).toMatch(/Noted\./);

    const explaining = (await slowExplanation(act)).done;
    await act('ui.toggle', { field: 'askOpen' });
    await act('question.submit', { question_body: 'Why is the intercept b?' });
    await explaining;
    const text = widgetText((await stored()) as Node);
    expect(text).toMatch(/Question sent\./);
    expect(text).not.toMatch(/Noted\./);

    // Without anything in between, an action clears the notice it started with.
    await act('study.notes', { slide_id: 'slide-1' });
    expect(widgetText((await stored()) as Node)).not.toMatch(/Question sent\./);
  });
});
