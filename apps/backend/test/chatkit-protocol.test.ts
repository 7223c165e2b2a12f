/**
 * POST /chatkit, the ChatKit protocol (docs/chatkit-protocol.md), over a real socket: every request type, the order
 * of stream events as they come off the wire, paging, persistence, authorisation and the JSON errors that malformed
 * requests get instead of a 500.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSlides, buildTestApp, type TestApp, uniqueId } from './helpers/app.js';
import {
  chatkit,
  emptyInput,
  findNode,
  itemAt,
  json,
  type Member,
  nullPaths,
  openSession,
  openThread,
  stream,
  textInput,
  threadIdOf,
  type WireItem,
} from './helpers/chatkit.js';
import type { Node } from './helpers/widgets.js';

const NOW = new Date('2026-03-10T10:00:00.000Z');

let t: TestApp;
let base: string;
const course = uniqueId('course');

interface WirePage<T> {
  data: T[];
  has_more: boolean;
  after?: string;
}
interface WireThread {
  id: string;
  title?: string;
  created_at: string;
  status: { type: string };
  metadata: Record<string, unknown>;
  items: WirePage<WireItem>;
}

/** A fresh member of the course and their client secret. */
async function member(role = 'Learner', courseId = course): Promise<{ secret: string; who: Member }> {
  const who: Member = { userId: uniqueId(role.toLowerCase()), courseId, courseName: 'Protocol 101', role };
  return { secret: (await openSession(t, who)).client_secret, who };
}

const getThread = (secret: string, threadId: string) =>
  json<WireThread>(base, secret, { type: 'threads.get_by_id', params: { thread_id: threadId } });

const types = (events: Array<Record<string, unknown>>) =>
  events.map((e) => (e.type === 'thread.item.done' ? `done:${(e.item as WireItem).type}` : String(e.type)));

function expectNoNulls(value: unknown) {
  expect(nullPaths(value)).toStrictEqual([]);
}

beforeAll(async () => {
  t = await buildTestApp();
  t.clock.set(NOW);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address();
  if (!address || typeof address === 'string') throw new Error('not listening');
  base = `http://127.0.0.1:${address.port}`;
  await addSlides(t.pool, course, [
    { id: 'slide-1', title: 'Intro', notes: 'Welcome.' },
    { id: 'slide-2', title: 'Regression', topic: 'Linear regression' },
    { id: 'slide-3', title: 'Loss' },
  ]);
});
afterAll(() => t.close());

describe('threads.create', () => {
  it('with empty input: exactly thread.created, stream_options and the widget (no user message)', async () => {
    const { secret } = await member();
    const answer = await chatkit(base, secret, { type: 'threads.create', params: { input: emptyInput } });
    expect(answer.status).toBe(200);
    expect(answer.contentType).toBe('text/event-stream; charset=utf-8');
    // The framing itself: `data: <json>` and a blank line per event, nothing else.
    expect(answer.text).toMatch(/^(data: \{[^\n]*\}\n\n)+$/);
    const events = answer.events();
    expect(types(events)).toStrictEqual(['thread.created', 'stream_options', 'done:widget']);
    const thread = events[0]?.thread as WireThread;
    expect(thread).toStrictEqual({
      id: expect.stringMatching(/^thr_[0-9a-f]{16}$/),
      created_at: expect.any(String),
      status: { type: 'active' },
      metadata: {},
      items: { data: [], has_more: false },
    });
    expect(events[1]).toStrictEqual({ type: 'stream_options', stream_options: { allow_cancel: true } });
    const item = itemAt(events, 2);
    expect(item).toMatchObject({ thread_id: thread.id, type: 'widget', copy_text: 'Class Assist — Protocol 101' });
    expect(item.id).toMatch(/^msg_[0-9a-f]{16}$/);
    expect(item.widget?.type).toBe('Card');
    expect(item).not.toHaveProperty('class_assist');
    expect(findNode(item.widget as Node, 'Button', { label: "I'm Confused" })).toBeDefined();
    expectNoNulls(events);

    const stored = await getThread(secret, thread.id);
    expect(stored.items.data.map((i) => i.type)).toStrictEqual(['widget']);
  });

  it('with text: thread.created, the user message, stream_options, the widget, the assistant message', async () => {
    const { secret } = await member();
    const events = await stream(base, secret, { type: 'threads.create', params: { input: textInput('hello') } });
    expect(types(events)).toStrictEqual([
      'thread.created',
      'done:user_message',
      'stream_options',
      'done:widget',
      'done:assistant_message',
    ]);
    const threadId = threadIdOf(events);
    const user = itemAt(events, 1);
    expect(user).toStrictEqual({
      id: expect.stringMatching(/^msg_/),
      thread_id: threadId,
      created_at: expect.any(String),
      type: 'user_message',
      content: [{ type: 'input_text', text: 'hello' }],
      attachments: [],
      inference_options: {},
    });
    const assistant = itemAt(events, 4);
    expect(assistant.content).toStrictEqual([{ type: 'output_text', text: expect.any(String), annotations: [] }]);
    expect(assistant.content?.[0]?.text).toMatch(/I'm Confused/);
    expectNoNulls(events);

    const stored = await getThread(secret, threadId);
    expect(stored.items.data.map((i) => i.id)).toStrictEqual([1, 3, 4].map((i) => itemAt(events, i).id));
  });

  it("answers an instructor with the instructor's help and view", async () => {
    const { secret } = await member('Instructor');
    const events = await stream(base, secret, { type: 'threads.create', params: { input: textInput('hi') } });
    const widget = itemAt(events, 3).widget as Node;
    expect(findNode(widget, 'Caption', { value: 'Instructor dashboard' })).toBeDefined();
    expect(findNode(widget, 'Chart')).toBeDefined();
    expect(itemAt(events, 4).content?.[0]?.text).toMatch(/heatmap/);
  });

  it('keeps a quoted text and input tags of the message', async () => {
    const { secret } = await member();
    const input = {
      content: [
        { type: 'input_text', text: 'about ' },
        { type: 'input_tag', id: 'slide-2', text: 'Regression', data: { slide: 2 } },
      ],
      attachments: [],
      quoted_text: 'y = ax + b',
      inference_options: {},
    };
    const events = await stream(base, secret, { type: 'threads.create', params: { input } });
    expect(events[1]?.item).toMatchObject({ content: input.content, quoted_text: 'y = ax + b' });
  });
});

describe('threads.add_user_message', () => {
  it('streams the user message, stream_options and the answer, and stores both', async () => {
    const { secret } = await member();
    const { threadId, widget } = await openThread(base, secret);
    const events = await stream(base, secret, {
      type: 'threads.add_user_message',
      params: { thread_id: threadId, input: textInput('what now?') },
    });
    expect(types(events)).toStrictEqual(['done:user_message', 'stream_options', 'done:assistant_message']);
    const stored = await getThread(secret, threadId);
    expect(stored.items.data.map((i) => i.id)).toStrictEqual([widget.id, itemAt(events, 0).id, itemAt(events, 2).id]);
  });

  it('refuses an empty message with 400 JSON', async () => {
    const { secret } = await member();
    const { threadId } = await openThread(base, secret);
    const body = await json(
      base,
      secret,
      { type: 'threads.add_user_message', params: { thread_id: threadId, input: emptyInput } },
      400,
    );
    expect(body).toMatchObject({ error: 'invalid_request', message: expect.stringContaining('content') });
  });
});

describe('threads.get_by_id', () => {
  it('returns the thread with its items in ascending order and no stored metadata', async () => {
    const { secret } = await member();
    const created = await stream(base, secret, { type: 'threads.create', params: { input: textInput('one') } });
    const threadId = threadIdOf(created);
    await stream(base, secret, {
      type: 'threads.add_user_message',
      params: { thread_id: threadId, input: textInput('two') },
    });
    const thread = await getThread(secret, threadId);
    expect(Object.keys(thread).sort()).toStrictEqual(['created_at', 'id', 'items', 'metadata', 'status']);
    expect(thread.metadata).toStrictEqual({});
    expect(thread.items.has_more).toBe(false);
    expect(thread.items.data.map((i) => i.type)).toStrictEqual([
      'user_message',
      'widget',
      'assistant_message',
      'user_message',
      'assistant_message',
    ]);
    expect(thread.items.data[3]?.content).toStrictEqual([{ type: 'input_text', text: 'two' }]);
    for (const item of thread.items.data) expect(item).not.toHaveProperty('class_assist');
    expectNoNulls(thread);
  });

  it("renders the widget afresh: another student's ping changes an instructor's chart without any action", async () => {
    const { secret } = await member('Instructor');
    const { threadId, widget } = await openThread(base, secret);
    const chart = () => findNode(widget.widget as Node, 'Chart')?.data as Array<Record<string, unknown>>;
    const before = chart();
    expect(before.map((p) => p.confused)).toStrictEqual([0, 0, 0]);

    const ping = await t.call('track_confusion', {
      user_id: uniqueId('student'),
      course_id: course,
      slide_id: 'slide-2',
    });
    expect(ping.statusCode, ping.body).toBe(200);

    const after = (await getThread(secret, threadId)).items.data[0] as WireItem;
    expect(after.id).toBe(widget.id);
    const data = findNode(after.widget as Node, 'Chart')?.data as Array<Record<string, unknown>>;
    expect(data.find((p) => p.slide_id === 'slide-2')?.confused).toBeGreaterThan(0);
    expect(data).not.toStrictEqual(before);
  });

  it('shows only the first 20 items, has_more telling there are more', async () => {
    const { secret } = await member();
    const { threadId } = await openThread(base, secret);
    for (let i = 0; i < 10; i++) {
      await stream(base, secret, {
        type: 'threads.add_user_message',
        params: { thread_id: threadId, input: textInput(`m${i}`) },
      });
    }
    const thread = await getThread(secret, threadId);
    expect(thread.items.data).toHaveLength(20);
    expect(thread.items.has_more).toBe(true);
    expect(thread.items.after).toBe(thread.items.data[19]?.id);
    expect(thread.items.data[0]?.type).toBe('widget');
  });
});

describe('threads.list', () => {
  it('lists the caller’s threads newest first, with empty item pages, and pages with limit/after/has_more', async () => {
    const { secret } = await member();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await openThread(base, secret)).threadId);
    const newestFirst = [...ids].reverse();

    const all = await json<WirePage<WireThread>>(base, secret, { type: 'threads.list', params: {} });
    expect(all.data.map((th) => th.id)).toStrictEqual(newestFirst);
    expect(all.has_more).toBe(false);
    expect(all).not.toHaveProperty('after');
    for (const thread of all.data) {
      expect(thread.items).toStrictEqual({ data: [], has_more: false });
      expect(thread.metadata).toStrictEqual({});
    }
    expectNoNulls(all);

    const first = await json<WirePage<WireThread>>(base, secret, { type: 'threads.list', params: { limit: 2 } });
    expect(first.data.map((th) => th.id)).toStrictEqual(newestFirst.slice(0, 2));
    expect(first.has_more).toBe(true);
    expect(first.after).toBe(newestFirst[1]);
    const second = await json<WirePage<WireThread>>(base, secret, {
      type: 'threads.list',
      params: { limit: 2, after: first.after },
    });
    expect(second.data.map((th) => th.id)).toStrictEqual(newestFirst.slice(2));
    expect(second.has_more).toBe(false);

    const asc = await json<WirePage<WireThread>>(base, secret, {
      type: 'threads.list',
      params: { order: 'asc', limit: 1, after: ids[0] },
    });
    expect(asc.data.map((th) => th.id)).toStrictEqual([ids[1]]);
    expect(asc.has_more).toBe(true);
  });

  it("never lists another member's threads", async () => {
    const mine = await member();
    const theirs = await member();
    const elsewhere = await member('Learner', uniqueId('other-course'));
    const own = (await openThread(base, mine.secret)).threadId;
    await openThread(base, theirs.secret);
    await openThread(base, elsewhere.secret);
    const list = await json<WirePage<WireThread>>(base, mine.secret, { type: 'threads.list', params: {} });
    expect(list.data.map((th) => th.id)).toStrictEqual([own]);
  });
});

describe('items.list', () => {
  it('lists items newest first by default, ascending on request, and pages', async () => {
    const { secret } = await member();
    const created = await stream(base, secret, { type: 'threads.create', params: { input: textInput('a') } });
    const threadId = threadIdOf(created);
    await stream(base, secret, {
      type: 'threads.add_user_message',
      params: { thread_id: threadId, input: textInput('b') },
    });
    const ascending = (await getThread(secret, threadId)).items.data.map((i) => i.id);
    expect(ascending).toHaveLength(5);

    const desc = await json<WirePage<WireItem>>(base, secret, { type: 'items.list', params: { thread_id: threadId } });
    expect(desc.data.map((i) => i.id)).toStrictEqual([...ascending].reverse());
    expect(desc.has_more).toBe(false);
    expectNoNulls(desc);

    const asc = await json<WirePage<WireItem>>(base, secret, {
      type: 'items.list',
      params: { thread_id: threadId, order: 'asc' },
    });
    expect(asc.data.map((i) => i.id)).toStrictEqual(ascending);

    const pages: string[][] = [];
    let after: string | undefined;
    for (;;) {
      const page: WirePage<WireItem> = await json(base, secret, {
        type: 'items.list',
        params: { thread_id: threadId, order: 'asc', limit: 2, ...(after ? { after } : {}) },
      });
      pages.push(page.data.map((i) => i.id));
      if (!page.has_more) {
        expect(page).not.toHaveProperty('after');
        break;
      }
      expect(page.after).toBe(page.data[page.data.length - 1]?.id);
      after = page.after;
    }
    expect(pages).toStrictEqual([ascending.slice(0, 2), ascending.slice(2, 4), ascending.slice(4)]);

    const descPage = await json<WirePage<WireItem>>(base, secret, {
      type: 'items.list',
      params: { thread_id: threadId, limit: 2, after: ascending[3] },
    });
    expect(descPage.data.map((i) => i.id)).toStrictEqual([ascending[2], ascending[1]]);
    expect(descPage.has_more).toBe(true);
  });

  it('answers 404 for an unknown cursor item', async () => {
    const { secret } = await member();
    const { threadId } = await openThread(base, secret);
    const body = await json(
      base,
      secret,
      { type: 'items.list', params: { thread_id: threadId, after: 'msg_0000000000000000' } },
      404,
    );
    expect(body.error).toBe('not_found');
  });
});

describe('threads.update, threads.delete, items.feedback', () => {
  it('renames a thread, and the name is kept', async () => {
    const { secret } = await member();
    const { threadId } = await openThread(base, secret);
    const updated = await json<WireThread>(base, secret, {
      type: 'threads.update',
      params: { thread_id: threadId, title: 'Regression questions' },
    });
    expect(updated).toMatchObject({
      id: threadId,
      title: 'Regression questions',
      status: { type: 'active' },
      metadata: {},
      items: { data: [], has_more: false },
    });
    expect((await getThread(secret, threadId)).title).toBe('Regression questions');
    const list = await json<WirePage<WireThread>>(base, secret, { type: 'threads.list', params: {} });
    expect(list.data.find((th) => th.id === threadId)?.title).toBe('Regression questions');
  });

  it('deletes a thread: {} and then 404 JSON', async () => {
    const { secret } = await member();
    const { threadId } = await openThread(base, secret);
    expect(await json(base, secret, { type: 'threads.delete', params: { thread_id: threadId } })).toStrictEqual({});
    const gone = await json(base, secret, { type: 'threads.get_by_id', params: { thread_id: threadId } }, 404);
    expect(gone).toStrictEqual({ error: 'not_found', message: expect.stringContaining(threadId) });
    await json(base, secret, { type: 'threads.delete', params: { thread_id: threadId } }, 404);
    const { rows } = await t.pool.query('SELECT count(*)::int AS n FROM chatkit_items WHERE thread_id = $1', [
      threadId,
    ]);
    expect(rows[0]?.n).toBe(0);
  });

  it('accepts feedback with {}', async () => {
    const { secret } = await member();
    const events = await stream(base, secret, { type: 'threads.create', params: { input: textInput('x') } });
    const threadId = threadIdOf(events);
    const answerId = itemAt(events, 4).id;
    expect(
      await json(base, secret, {
        type: 'items.feedback',
        params: { thread_id: threadId, item_ids: [answerId], kind: 'positive' },
      }),
    ).toStrictEqual({});
    await json(
      base,
      secret,
      { type: 'items.feedback', params: { thread_id: threadId, item_ids: [], kind: 'meh' } },
      400,
    );
  });
});

describe('threads.retry_after_item', () => {
  it('removes the items after the message and answers it again', async () => {
    const { secret } = await member();
    const { threadId, widget } = await openThread(base, secret);
    const first = await stream(base, secret, {
      type: 'threads.add_user_message',
      params: { thread_id: threadId, input: textInput('first') },
    });
    const second = await stream(base, secret, {
      type: 'threads.add_user_message',
      params: { thread_id: threadId, input: textInput('second') },
    });
    const secondUser = itemAt(second, 0).id;
    const secondAnswer = itemAt(second, 2).id;

    const events = await stream(base, secret, {
      type: 'threads.retry_after_item',
      params: { thread_id: threadId, item_id: secondUser },
    });
    expect(types(events)).toStrictEqual(['thread.item.removed', 'stream_options', 'done:assistant_message']);
    expect(events[0]).toStrictEqual({ type: 'thread.item.removed', item_id: secondAnswer });
    const newAnswer = itemAt(events, 2).id;
    expect(newAnswer).not.toBe(secondAnswer);

    const items = (await getThread(secret, threadId)).items.data.map((i) => i.id);
    expect(items).toStrictEqual([widget.id, itemAt(first, 0).id, itemAt(first, 2).id, secondUser, newAnswer]);
  });

  it('brings the widget back when the retried message was the one the thread opened with', async () => {
    const { secret } = await member();
    const created = await stream(base, secret, { type: 'threads.create', params: { input: textInput('hi') } });
    const threadId = threadIdOf(created);
    const userId = itemAt(created, 1).id;
    const events = await stream(base, secret, {
      type: 'threads.retry_after_item',
      params: { thread_id: threadId, item_id: userId },
    });
    expect(types(events)).toStrictEqual([
      'thread.item.removed',
      'thread.item.removed',
      'stream_options',
      'done:widget',
      'done:assistant_message',
    ]);
    const items = (await getThread(secret, threadId)).items.data;
    expect(items.map((i) => i.type)).toStrictEqual(['user_message', 'widget', 'assistant_message']);
  });

  it('refuses an item that is not a user message with 400 JSON, and an unknown one with 404', async () => {
    const { secret } = await member();
    const { threadId, widget } = await openThread(base, secret);
    const body = await json(
      base,
      secret,
      { type: 'threads.retry_after_item', params: { thread_id: threadId, item_id: widget.id } },
      400,
    );
    expect(body.message).toMatch(/user message/);
    await json(
      base,
      secret,
      { type: 'threads.retry_after_item', params: { thread_id: threadId, item_id: 'msg_nope' } },
      404,
    );
    expect((await getThread(secret, threadId)).items.data.map((i) => i.id)).toStrictEqual([widget.id]);
  });
});

describe('requests this server does not support', () => {
  it('refuses add_client_tool_output without a pending call with 400 JSON', async () => {
    const { secret } = await member();
    const { threadId } = await openThread(base, secret);
    const body = await json(
      base,
      secret,
      { type: 'threads.add_client_tool_output', params: { thread_id: threadId, result: { ok: true } } },
      400,
    );
    expect(body).toStrictEqual({
      error: 'invalid_request',
      message: expect.stringMatching(/pending client tool call/),
    });
  });

  it('answers structured input, attachments, dictation and synchronous actions with 501 JSON', async () => {
    const { secret } = await member();
    const { threadId, widget } = await openThread(base, secret);
    const requests = [
      { type: 'threads.add_structured_input', params: { thread_id: threadId, item_id: widget.id, input: {} } },
      { type: 'attachments.create', params: { name: 'a.png', size: 10, mime_type: 'image/png' } },
      { type: 'attachments.delete', params: { attachment_id: 'atc_1' } },
      { type: 'input.transcribe', params: { audio_base64: 'AAAA', mime_type: 'audio/webm' } },
      {
        type: 'threads.sync_custom_action',
        params: { thread_id: threadId, item_id: widget.id, action: { type: 'ui.toggle' } },
      },
    ];
    for (const request of requests) {
      const body = await json(base, secret, request, 501);
      expect(body, request.type).toStrictEqual({ error: 'not_implemented', message: expect.any(String) });
    }
  });
});

describe('malformed requests', () => {
  it('answer 400 JSON with error and message, never a 500', async () => {
    const { secret } = await member();
    const { threadId } = await openThread(base, secret);
    const bodies: unknown[] = [
      'null',
      '[]',
      '"threads.list"',
      '42',
      '{}',
      { params: {} },
      { type: 42 },
      { type: 'threads.nope', params: {} },
      { type: '', params: {} },
      { type: 'threads.list', params: [] },
      { type: 'threads.list', params: 'x' },
      { type: 'threads.list', params: { limit: -1 } },
      { type: 'threads.list', params: { limit: 1.5 } },
      { type: 'threads.list', params: { limit: '5' } },
      { type: 'threads.list', params: { limit: 100_000 } },
      { type: 'threads.list', params: { order: 'sideways' } },
      { type: 'threads.list', params: { after: 7 } },
      { type: 'threads.get_by_id', params: {} },
      { type: 'threads.get_by_id', params: { thread_id: 7 } },
      { type: 'threads.get_by_id', params: { thread_id: '' } },
      { type: 'threads.get_by_id', params: { thread_id: 'x'.repeat(201) } },
      { type: 'threads.create', params: {} },
      { type: 'threads.create', params: { input: 'hello' } },
      { type: 'threads.create', params: { input: { content: 'hello' } } },
      { type: 'threads.create', params: { input: { content: [{ type: 'input_image', url: 'x' }] } } },
      { type: 'threads.create', params: { input: { content: [{ type: 'input_text', text: 5 }] } } },
      { type: 'threads.create', params: { input: { content: [], attachments: [1] } } },
      { type: 'threads.create', params: { input: { content: [], inference_options: 'fast' } } },
      { type: 'threads.add_user_message', params: { thread_id: threadId } },
      { type: 'threads.update', params: { thread_id: threadId } },
      { type: 'threads.update', params: { thread_id: threadId, title: 5 } },
      { type: 'threads.custom_action', params: { thread_id: threadId } },
      { type: 'threads.custom_action', params: { thread_id: threadId, action: { payload: {} } } },
      { type: 'threads.custom_action', params: { thread_id: threadId, action: 'ui.toggle' } },
      { type: 'items.feedback', params: { thread_id: threadId, item_ids: 'x', kind: 'positive' } },
      { type: 'attachments.create', params: { name: 'a', size: -1, mime_type: 'x' } },
    ];
    for (const body of bodies) {
      const answer = await chatkit(base, secret, body);
      const label = typeof body === 'string' ? body : JSON.stringify(body);
      expect(answer.status, `${label}: ${answer.text}`).toBe(400);
      expect(answer.contentType, label).toMatch(/^application\/json/);
      const error = answer.json<{ error: unknown; message: unknown }>();
      expect(typeof error.error, label).toBe('string');
      expect(typeof error.message, label).toBe('string');
      expect(String(error.message).length, label).toBeGreaterThan(0);
    }
  });

  it('refuses an oversized body with 413 and an oversized message with 400', async () => {
    const { secret } = await member();
    const huge = await chatkit(base, secret, {
      type: 'threads.create',
      params: { input: textInput('x'.repeat(300 * 1024)) },
    });
    expect(huge.status).toBe(413);
    expect(huge.json().error).toBe('payload_too_large');
    const long = await chatkit(base, secret, {
      type: 'threads.create',
      params: { input: textInput('x'.repeat(20_001)) },
    });
    expect(long.status).toBe(400);
    expect(long.json().message).toMatch(/20000/);
  });

  it('names the unknown type and the bad field', async () => {
    const { secret } = await member();
    expect(await json(base, secret, { type: 'threads.nope' }, 400)).toStrictEqual({
      error: 'unknown_request',
      message: expect.stringContaining('threads.nope'),
    });
    expect((await json(base, secret, { type: 'threads.list', params: { limit: -1 } }, 400)).message).toMatch(
      /params\.limit/,
    );
  });

  it('answers a body that is not JSON with 400 and a text/plain one with 400, not 500', async () => {
    const { secret } = await member();
    const broken = await chatkit(base, secret, '{"type":');
    expect(broken.status).toBe(400);
    expect(broken.json().error).toBe('validation_failed');
    const plain = await chatkit(base, secret, 'threads.list', { 'content-type': 'text/plain' });
    expect([400, 415]).toContain(plain.status);
    expect(plain.json()).toMatchObject({ error: expect.any(String), message: expect.any(String) });
  });
});

describe('authorisation', () => {
  const list = { type: 'threads.list', params: {} };

  it('refuses a request without a bearer or session with 401 JSON', async () => {
    const answer = await chatkit(base, undefined, list);
    expect(answer.status).toBe(401);
    expect(answer.json().error).toBe('unauthorized');
  });

  it('refuses an invalid bearer, and a session or export token used as a client secret', async () => {
    const { secret, who } = await member();
    const launch = await t.app.inject({
      method: 'GET',
      url: '/dev/launch',
      query: { role: who.role, userId: who.userId, courseId: who.courseId },
    });
    const sessionToken = launch.cookies.find((c) => c.name === 'class_assist_session')?.value ?? '';
    const forged = `${secret.slice(0, secret.lastIndexOf('.') + 1)}${'A'.repeat(43)}`;
    for (const bearer of ['nonsense', forged, sessionToken, `${secret}x`]) {
      const answer = await chatkit(base, bearer, list);
      expect(answer.status, bearer).toBe(401);
      expect(answer.json().error).toBe('unauthorized');
    }
    // The browser session itself is accepted as a cookie.
    const viaCookie = await chatkit(base, undefined, list, { cookie: `class_assist_session=${sessionToken}` });
    expect(viaCookie.status, viaCookie.text).toBe(200);
  });

  it('refuses a client secret after its two hours', async () => {
    const { secret } = await member();
    const { threadId } = await openThread(base, secret);
    t.clock.advance(2 * 3600 - 1);
    try {
      expect((await chatkit(base, secret, list)).status).toBe(200);
      t.clock.advance(2);
      const expired = await chatkit(base, secret, { type: 'threads.get_by_id', params: { thread_id: threadId } });
      expect(expired.status).toBe(401);
      expect(expired.json()).toMatchObject({ error: 'unauthorized', message: expect.stringMatching(/expired/) });
      const streaming = await chatkit(base, secret, { type: 'threads.create', params: { input: emptyInput } });
      expect(streaming.status).toBe(401);
    } finally {
      t.clock.set(NOW);
    }
  });

  it("answers 404 for another member's thread, whatever the request, and changes nothing", async () => {
    const owner = await member();
    const { threadId, widget } = await openThread(base, owner.secret);
    const classmate = await member();
    const sameUserElsewhere = (
      await openSession(t, { ...owner.who, courseId: uniqueId('other-course'), role: 'Learner' })
    ).client_secret;
    const teacher = await member('Instructor');
    const requests = [
      { type: 'threads.get_by_id', params: { thread_id: threadId } },
      { type: 'items.list', params: { thread_id: threadId } },
      { type: 'threads.update', params: { thread_id: threadId, title: 'mine now' } },
      { type: 'threads.delete', params: { thread_id: threadId } },
      { type: 'items.feedback', params: { thread_id: threadId, item_ids: [widget.id], kind: 'negative' } },
      { type: 'threads.add_user_message', params: { thread_id: threadId, input: textInput('hi') } },
      {
        type: 'threads.custom_action',
        params: { thread_id: threadId, item_id: widget.id, action: { type: 'ui.toggle' } },
      },
      { type: 'threads.retry_after_item', params: { thread_id: threadId, item_id: widget.id } },
    ];
    for (const secret of [classmate.secret, sameUserElsewhere, teacher.secret]) {
      for (const request of requests) {
        const answer = await chatkit(base, secret, request);
        expect(answer.status, `${request.type}: ${answer.text}`).toBe(404);
        expect(answer.json().error).toBe('not_found');
      }
    }
    const thread = await getThread(owner.secret, threadId);
    expect(thread).not.toHaveProperty('title');
    expect(thread.items.data.map((i) => i.id)).toStrictEqual([widget.id]);
  });
});
