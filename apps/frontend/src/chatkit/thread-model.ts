/**
 * The thread as the page shows it, and how stream events change it. Pure functions: each returns a new state, so
 * React can compare by reference.
 */
import type { ItemUpdate, OutputText, Thread, ThreadItem, ThreadStreamEvent, WidgetNode } from './types';

export type AlertLevel = 'info' | 'warning' | 'danger';

export interface ThreadAlert {
  id: number;
  level: AlertLevel;
  message: string;
  title?: string;
}

export interface ThreadState {
  thread: Omit<Thread, 'items'> | null;
  items: ThreadItem[];
  alerts: ThreadAlert[];
  /** The last `progress_update` of the running stream, cleared when it ends. */
  progress: string | null;
}

export const emptyThread: ThreadState = { thread: null, items: [], alerts: [], progress: null };

let nextAlertId = 1;

export function withAlert(state: ThreadState, level: AlertLevel, message: string, title?: string): ThreadState {
  const alert: ThreadAlert = { id: nextAlertId++, level, message, ...(title ? { title } : {}) };
  // Keep the last few: a flapping connection should not pile up messages.
  return { ...state, alerts: [...state.alerts, alert].slice(-4) };
}

export function withoutAlert(state: ThreadState, id: number): ThreadState {
  return { ...state, alerts: state.alerts.filter((alert) => alert.id !== id) };
}

/** A thread loaded with `threads.get_by_id` (or created): its items replace what was shown. */
export function fromThread(thread: Thread): ThreadState {
  const { items, ...meta } = thread;
  return { ...emptyThread, thread: meta, items: items.data };
}

/** Items from a later `threads.get_by_id` or `items.list`: replace the ones shown, append the new ones. */
export function mergeItems(state: ThreadState, items: ThreadItem[]): ThreadState {
  return items.reduce(upsert, state);
}

export function applyEvent(state: ThreadState, event: ThreadStreamEvent): ThreadState {
  switch (event.type) {
    case 'thread.created': {
      const { items, ...meta } = event.thread;
      return mergeItems({ ...state, thread: meta }, items?.data ?? []);
    }
    case 'thread.updated': {
      const { items: _items, ...meta } = event.thread;
      return { ...state, thread: meta };
    }
    case 'thread.item.added':
    case 'thread.item.done':
    case 'thread.item.replaced':
      return upsert(state, event.item);
    case 'thread.item.removed':
      return { ...state, items: state.items.filter((item) => item.id !== event.item_id) };
    case 'thread.item.updated':
      return mapItem(state, event.item_id, (item) => applyUpdate(item, event.update));
    case 'progress_update':
      return { ...state, progress: event.text };
    case 'notice':
      return withAlert(state, event.level, event.message, event.title);
    case 'error':
      return withAlert(state, 'danger', event.message ?? 'Something went wrong. Please try again.');
    default:
      return state;
  }
}

function upsert(state: ThreadState, item: ThreadItem): ThreadState {
  const index = state.items.findIndex((existing) => existing.id === item.id);
  if (index === -1) return { ...state, items: [...state.items, item] };
  const items = state.items.slice();
  items[index] = item;
  return { ...state, items };
}

function mapItem(state: ThreadState, id: string, change: (item: ThreadItem) => ThreadItem): ThreadState {
  const index = state.items.findIndex((item) => item.id === id);
  const item = state.items[index];
  if (!item) return state;
  const items = state.items.slice();
  items[index] = change(item);
  return { ...state, items };
}

function applyUpdate(item: ThreadItem, update: ItemUpdate): ThreadItem {
  if (item.type === 'widget') return { ...item, widget: applyWidgetUpdate(item.widget as WidgetNode, update) };
  if (item.type === 'assistant_message' && update.type.startsWith('assistant_message.')) {
    const content = applyContentUpdate(item.content as OutputText[], update);
    return { ...item, content };
  }
  return item;
}

function applyContentUpdate(content: OutputText[], update: ItemUpdate): OutputText[] {
  const index = Number(update.content_index);
  if (!Number.isInteger(index) || index < 0) return content;
  const next = content.slice();
  const part: OutputText = next[index] ?? { type: 'output_text', text: '', annotations: [] };
  switch (update.type) {
    case 'assistant_message.content_part.added':
    case 'assistant_message.content_part.done':
      next[index] = update.content as OutputText;
      break;
    case 'assistant_message.content_part.text_delta':
      next[index] = { ...part, text: part.text + String(update.delta ?? '') };
      break;
    case 'assistant_message.content_part.annotation_added':
      next[index] = { ...part, annotations: [...(part.annotations ?? []), update.annotation] };
      break;
    default:
      return content;
  }
  return next;
}

function applyWidgetUpdate(widget: WidgetNode, update: ItemUpdate): WidgetNode {
  switch (update.type) {
    case 'widget.root.updated':
      return update.widget as WidgetNode;
    case 'widget.component.updated':
      return replaceComponent(widget, String(update.component_id), () => update.component as WidgetNode);
    case 'widget.streaming_text.value_delta':
      return replaceComponent(widget, String(update.component_id), (node) => ({
        ...node,
        value: String(node.value ?? '') + String(update.delta ?? ''),
        streaming: !update.done,
      }));
    default:
      return widget;
  }
}

/** Replaces the component with this `id` anywhere in the tree. */
export function replaceComponent(node: WidgetNode, id: string, change: (node: WidgetNode) => WidgetNode): WidgetNode {
  if (node.id === id) return change(node);
  if (!Array.isArray(node.children)) {
    const child = node.children;
    if (isNode(child)) {
      const next = replaceComponent(child, id, change);
      return next === child ? node : { ...node, children: next };
    }
    return node;
  }
  let changed = false;
  const children = node.children.map((child: unknown) => {
    if (!isNode(child)) return child;
    const next = replaceComponent(child, id, change);
    if (next !== child) changed = true;
    return next;
  });
  return changed ? { ...node, children } : node;
}

function isNode(value: unknown): value is WidgetNode {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}
