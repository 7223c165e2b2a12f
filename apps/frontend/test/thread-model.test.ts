import { describe, expect, it } from 'vitest';
import { applyEvent, emptyThread, mergeItems, type ThreadState } from '../src/chatkit/thread-model';
import type { Thread, ThreadItem, ThreadStreamEvent } from '../src/chatkit/types';

const thread: Thread = {
  id: 'thr_1',
  created_at: '2026-01-01T00:00:00Z',
  status: { type: 'active' },
  metadata: {},
  items: { data: [], has_more: false },
};
const at = '2026-01-01T00:00:01Z';
const widget = (value: string): ThreadItem => ({
  id: 'msg_w',
  thread_id: 'thr_1',
  created_at: at,
  type: 'widget',
  widget: { type: 'Card', children: [{ type: 'Text', id: 'status', value }] },
});

function run(events: ThreadStreamEvent[], state: ThreadState = emptyThread): ThreadState {
  return events.reduce(applyEvent, state);
}

describe('thread model', () => {
  it('opens a thread with its widget item (threads.create with an empty input)', () => {
    const state = run([
      { type: 'thread.created', thread },
      { type: 'stream_options', stream_options: { allow_cancel: true } },
      { type: 'thread.item.done', item: widget('hello') },
    ]);
    expect(state.thread?.id).toBe('thr_1');
    expect(state.items.map((i) => i.id)).toEqual(['msg_w']);
  });

  it('replaces the widget in place, and appends new items after it', () => {
    const assistant: ThreadItem = {
      id: 'msg_a',
      thread_id: 'thr_1',
      created_at: at,
      type: 'assistant_message',
      content: [{ type: 'output_text', text: 'Notes', annotations: [] }],
    };
    const state = run([
      { type: 'thread.item.done', item: widget('one') },
      { type: 'thread.item.replaced', item: widget('two') },
      { type: 'thread.item.done', item: assistant },
    ]);
    expect(state.items.map((i) => i.id)).toEqual(['msg_w', 'msg_a']);
    expect(JSON.stringify(state.items[0]?.widget)).toContain('two');
  });

  it('streams assistant text deltas', () => {
    const state = run([
      {
        type: 'thread.item.added',
        item: { id: 'msg_a', thread_id: 'thr_1', created_at: at, type: 'assistant_message', content: [] },
      },
      {
        type: 'thread.item.updated',
        item_id: 'msg_a',
        update: {
          type: 'assistant_message.content_part.added',
          content_index: 0,
          content: { type: 'output_text', text: '', annotations: [] },
        },
      },
      {
        type: 'thread.item.updated',
        item_id: 'msg_a',
        update: { type: 'assistant_message.content_part.text_delta', content_index: 0, delta: 'Hel' },
      },
      {
        type: 'thread.item.updated',
        item_id: 'msg_a',
        update: { type: 'assistant_message.content_part.text_delta', content_index: 0, delta: 'lo' },
      },
    ]);
    expect(state.items[0]?.content).toEqual([{ type: 'output_text', text: 'Hello', annotations: [] }]);
  });

  it('applies widget.root.updated and widget.component.updated', () => {
    let state = run([{ type: 'thread.item.done', item: widget('one') }]);
    state = applyEvent(state, {
      type: 'thread.item.updated',
      item_id: 'msg_w',
      update: {
        type: 'widget.component.updated',
        component_id: 'status',
        component: { type: 'Text', id: 'status', value: 'x' },
      },
    });
    expect(JSON.stringify(state.items[0]?.widget)).toContain('"value":"x"');
    state = applyEvent(state, {
      type: 'thread.item.updated',
      item_id: 'msg_w',
      update: { type: 'widget.root.updated', widget: { type: 'Basic', children: [] } },
    });
    expect(state.items[0]?.widget).toEqual({ type: 'Basic', children: [] });
  });

  it('removes items, turns notices and errors into alerts, tracks progress', () => {
    const state = run([
      { type: 'thread.item.done', item: widget('one') },
      { type: 'thread.item.removed', item_id: 'msg_w' },
      { type: 'progress_update', text: 'Thinking' },
      { type: 'notice', level: 'warning', message: 'Careful' },
      { type: 'error', code: 'stream.error', allow_retry: true },
    ]);
    expect(state.items).toEqual([]);
    expect(state.progress).toBe('Thinking');
    expect(state.alerts.map((a) => [a.level, a.message])).toEqual([
      ['warning', 'Careful'],
      ['danger', 'Something went wrong. Please try again.'],
    ]);
  });

  it('merges a refreshed thread: the widget is replaced, other items stay', () => {
    const state = run([
      { type: 'thread.item.done', item: widget('old') },
      {
        type: 'thread.item.done',
        item: { id: 'msg_u', thread_id: 'thr_1', created_at: at, type: 'user_message', content: [] },
      },
    ]);
    const merged = mergeItems(state, [widget('new')]);
    expect(merged.items.map((i) => i.id)).toEqual(['msg_w', 'msg_u']);
    expect(JSON.stringify(merged.items[0]?.widget)).toContain('new');
  });
});
