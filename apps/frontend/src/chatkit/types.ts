/**
 * The parts of the ChatKit protocol the page uses (see docs/chatkit-protocol.md). Widgets are kept as plain JSON
 * (`WidgetNode`): the renderer reads their props loosely and never trusts their shape.
 */

/** A widget component or root as JSON: `{type, ...props, children?}`. */
export interface WidgetNode {
  type: string;
  id?: string;
  key?: string;
  children?: unknown;
  [prop: string]: unknown;
}

export interface ActionConfig {
  type: string;
  payload?: Record<string, unknown>;
  handler?: 'server' | 'client';
  loadingBehavior?: 'auto' | 'none' | 'self' | 'container';
  streaming?: boolean;
}

export interface Page<T> {
  data: T[];
  has_more: boolean;
  after?: string;
}

export interface ThreadStatus {
  type: 'active' | 'locked' | 'closed';
  reason?: string;
}

export interface Thread {
  id: string;
  title?: string;
  created_at: string;
  status: ThreadStatus;
  metadata: Record<string, unknown>;
  items: Page<ThreadItem>;
}

export interface OutputText {
  type: 'output_text';
  text: string;
  annotations?: unknown[];
}

export interface UserMessageContent {
  type: 'input_text' | 'input_tag';
  text: string;
  [prop: string]: unknown;
}

/**
 * A thread item: `user_message {content}`, `assistant_message {content: OutputText[]}`, `widget {widget}`, or a kind
 * the page does not show (task, workflow, client_tool_call, end_of_turn…). Read loosely: it comes off the wire.
 */
export interface ThreadItem {
  id: string;
  thread_id: string;
  created_at: string;
  type: string;
  content?: unknown;
  widget?: unknown;
  [prop: string]: unknown;
}

/**
 * `thread.item.updated` updates: `assistant_message.content_part.added|text_delta|annotation_added|done`
 * (`content_index`, `content` / `delta` / `annotation`), `widget.root.updated {widget}`,
 * `widget.component.updated {component_id, component}`, `widget.streaming_text.value_delta {component_id, delta,
 * done}`, `workflow.task.added|updated`.
 */
export interface ItemUpdate {
  type: string;
  [prop: string]: unknown;
}

export type NoticeLevel = 'info' | 'warning' | 'danger';

export type ThreadStreamEvent =
  | { type: 'thread.created'; thread: Thread }
  | { type: 'thread.updated'; thread: Thread }
  | { type: 'thread.item.added'; item: ThreadItem }
  | { type: 'thread.item.done'; item: ThreadItem }
  | { type: 'thread.item.replaced'; item: ThreadItem }
  | { type: 'thread.item.removed'; item_id: string }
  | { type: 'thread.item.updated'; item_id: string; update: ItemUpdate }
  | { type: 'stream_options'; stream_options: { allow_cancel: boolean } }
  | { type: 'progress_update'; icon?: string; text: string }
  | { type: 'client_effect'; name: string; data: Record<string, unknown> }
  | { type: 'notice'; level: NoticeLevel; message: string; title?: string }
  | { type: 'error'; code: string; message?: string; allow_retry: boolean };

/** `UserMessageInput`: `attachments` and `inference_options` are required keys. */
export interface UserMessageInput {
  content: UserMessageContent[];
  attachments: string[];
  quoted_text?: string;
  inference_options: Record<string, unknown>;
}

export function textInput(text: string): UserMessageInput {
  return { content: text ? [{ type: 'input_text', text }] : [], attachments: [], inference_options: {} };
}
