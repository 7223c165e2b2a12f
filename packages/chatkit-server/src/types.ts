/**
 * ChatKit protocol types (the JSON on the wire), after openai/chatkit-python `chatkit/types.py`. Null fields are never
 * sent; datetimes are ISO 8601 strings.
 */

export type JsonObject = Record<string, unknown>;

export interface Page<T> {
  data: T[];
  has_more: boolean;
  after?: string;
}

export type ThreadStatus =
  | { type: 'active' }
  | { type: 'locked'; reason?: string }
  | { type: 'closed'; reason?: string };

/** A thread as stored (metadata stays on the server). */
export interface ThreadMetadata {
  id: string;
  title?: string;
  created_at: string;
  status: ThreadStatus;
  metadata: JsonObject;
}

/** A thread as sent: metadata is always `{}`, items a page. */
export interface Thread extends Omit<ThreadMetadata, 'metadata'> {
  metadata: Record<string, never>;
  items: Page<ThreadItem>;
}

export type UserContent =
  | { type: 'input_text'; text: string }
  | { type: 'input_tag'; id: string; text: string; data: JsonObject; group?: string; interactive?: boolean };

export interface InferenceOptions {
  tool_choice?: { id: string };
  model?: string;
}

export interface UserMessageInput {
  content: UserContent[];
  attachments: string[];
  quoted_text?: string;
  inference_options: InferenceOptions;
}

export interface Annotation {
  type: 'annotation';
  source: JsonObject;
  index?: number;
}

export interface OutputText {
  type: 'output_text';
  text: string;
  annotations: Annotation[];
}

interface ItemBase {
  id: string;
  thread_id: string;
  created_at: string;
}

export interface UserMessageItem extends ItemBase {
  type: 'user_message';
  content: UserContent[];
  attachments: JsonObject[];
  quoted_text?: string;
  inference_options: InferenceOptions;
}

export interface AssistantMessageItem extends ItemBase {
  type: 'assistant_message';
  content: OutputText[];
}

/** A widget root (Card, ListView, Basic) as ChatKit widget JSON. */
export type WidgetRoot = JsonObject & { type: string };

export interface WidgetItem extends ItemBase {
  type: 'widget';
  widget: WidgetRoot;
  copy_text?: string;
}

export interface HiddenContextItem extends ItemBase {
  type: 'hidden_context_item';
  content: unknown;
}

export interface ClientToolCallItem extends ItemBase {
  type: 'client_tool_call';
  status: 'pending' | 'completed';
  call_id: string;
  name: string;
  arguments: JsonObject;
  output?: unknown;
}

export interface EndOfTurnItem extends ItemBase {
  type: 'end_of_turn';
}

export type ThreadItem =
  | UserMessageItem
  | AssistantMessageItem
  | WidgetItem
  | HiddenContextItem
  | ClientToolCallItem
  | EndOfTurnItem;

export interface Action {
  type: string;
  payload?: unknown;
}

export type ThreadItemUpdate =
  | { type: 'assistant_message.content_part.added'; content_index: number; content: OutputText }
  | { type: 'assistant_message.content_part.text_delta'; content_index: number; delta: string }
  | { type: 'assistant_message.content_part.done'; content_index: number; content: OutputText }
  | { type: 'widget.root.updated'; widget: WidgetRoot }
  | { type: 'widget.component.updated'; component_id: string; component: JsonObject };

export type ThreadStreamEvent =
  | { type: 'thread.created'; thread: Thread }
  | { type: 'thread.updated'; thread: Thread }
  | { type: 'thread.item.added'; item: ThreadItem }
  | { type: 'thread.item.updated'; item_id: string; update: ThreadItemUpdate }
  | { type: 'thread.item.done'; item: ThreadItem }
  | { type: 'thread.item.removed'; item_id: string }
  | { type: 'thread.item.replaced'; item: ThreadItem }
  | { type: 'stream_options'; stream_options: { allow_cancel: boolean } }
  | { type: 'progress_update'; icon?: string; text: string }
  | { type: 'client_effect'; name: string; data: JsonObject }
  | { type: 'error'; code: 'stream.error' | 'custom'; message?: string; allow_retry: boolean }
  | { type: 'notice'; level: 'info' | 'warning' | 'danger'; message: string; title?: string };

/** Items the client never sees. */
export function isHiddenItem(item: ThreadItem | { type: string }): boolean {
  return item.type === 'hidden_context_item' || item.type === 'sdk_hidden_context';
}
