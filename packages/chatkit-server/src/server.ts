/**
 * The ChatKit server: turns a parsed request into a JSON answer or a stream of events, persisting items as the
 * protocol says (done → insert, replaced → upsert, removed → delete), and calling the application's hooks.
 */
import { ChatKitRequestError, CustomStreamError } from './errors.js';
import { type ChatKitRequest, parseRequest, STREAMING_TYPES } from './requests.js';
import type { Order, Store } from './store.js';
import {
  type Action,
  isHiddenItem,
  type Page,
  type Thread,
  type ThreadItem,
  type ThreadMetadata,
  type ThreadStreamEvent,
  type UserMessageInput,
  type UserMessageItem,
  type WidgetItem,
} from './types.js';

export const DEFAULT_PAGE_SIZE = 20;

export interface RespondInfo {
  /** True when the thread was created by this request. */
  threadCreated: boolean;
}

export interface ChatKitHooks<C> {
  /** Answers a user message (null: a thread opened without a message, or a tool output / retry). */
  respond(
    thread: ThreadMetadata,
    message: UserMessageItem | null,
    context: C,
    info: RespondInfo,
  ): AsyncIterable<ThreadStreamEvent>;
  /** Handles a widget action sent to the server (`threads.custom_action`). */
  action(
    thread: ThreadMetadata,
    action: Action,
    sender: WidgetItem | null,
    context: C,
  ): AsyncIterable<ThreadStreamEvent>;
  /** `threads.sync_custom_action`; without it those requests are refused. */
  syncAction?(
    thread: ThreadMetadata,
    action: Action,
    sender: WidgetItem | null,
    context: C,
  ): Promise<ThreadItem | undefined>;
  /** Called with errors that became a generic `stream.error` event. */
  onError?(error: unknown, context: C): void;
  /** Gives every item a last look before it is sent, streamed or read (e.g. re-render a widget with fresh data). */
  present?(item: ThreadItem, context: C): Promise<ThreadItem>;
}

export type ChatKitResult =
  | { kind: 'json'; body: unknown }
  | { kind: 'stream'; events: AsyncGenerator<ThreadStreamEvent> };

export interface ChatKitServer<C> {
  /** Parses and runs one request. Throws ChatKitRequestError for refused requests (before any stream starts). */
  process(body: unknown, context: C): Promise<ChatKitResult>;
}

const now = () => new Date().toISOString();

export function createChatKitServer<C>(store: Store<C>, hooks: ChatKitHooks<C>): ChatKitServer<C> {
  const present = async (items: ThreadItem[], context: C) => {
    const visible = items.filter((item) => !isHiddenItem(item));
    return hooks.present ? Promise.all(visible.map((item) => hooks.present?.(item, context) ?? item)) : visible;
  };

  const toThread = (meta: ThreadMetadata, items: Page<ThreadItem> = { data: [], has_more: false }): Thread => ({
    id: meta.id,
    ...(meta.title ? { title: meta.title } : {}),
    created_at: meta.created_at,
    status: meta.status,
    metadata: {},
    items,
  });

  const loadPage = async (threadId: string, after: string | undefined, limit: number, order: Order, context: C) => {
    const page = await store.loadThreadItems(threadId, after, limit, order, context);
    return { ...page, data: await present(page.data, context) };
  };

  const userMessage = (thread: ThreadMetadata, input: UserMessageInput, context: C): UserMessageItem => ({
    id: store.generateItemId('message', context),
    thread_id: thread.id,
    created_at: now(),
    type: 'user_message',
    content: input.content,
    attachments: [],
    ...(input.quoted_text ? { quoted_text: input.quoted_text } : {}),
    inference_options: input.inference_options,
  });

  /** Forwards hook events, persisting what the protocol persists, and ends with an error event on failure. */
  async function* run(
    events: AsyncIterable<ThreadStreamEvent>,
    threadId: string,
    context: C,
  ): AsyncGenerator<ThreadStreamEvent> {
    yield { type: 'stream_options', stream_options: { allow_cancel: true } };
    try {
      for await (const event of events) {
        if (event.type === 'thread.item.done') {
          await store.addThreadItem(threadId, event.item, context);
          if (isHiddenItem(event.item)) continue;
          if (hooks.present) event.item = await hooks.present(event.item, context);
        } else if (event.type === 'thread.item.replaced') {
          await store.saveItem(threadId, event.item, context);
          if (hooks.present) event.item = await hooks.present(event.item, context);
        } else if (event.type === 'thread.item.removed') {
          await store.deleteThreadItem(threadId, event.item_id, context);
        }
        yield event;
      }
    } catch (err) {
      if (err instanceof CustomStreamError) {
        yield { type: 'error', code: 'custom', message: err.message, allow_retry: err.allowRetry };
      } else if (err instanceof ChatKitRequestError) {
        yield { type: 'error', code: 'custom', message: err.message, allow_retry: false };
      } else {
        hooks.onError?.(err, context);
        yield { type: 'error', code: 'stream.error', allow_retry: true };
      }
    }
  }

  const widgetSender = async (threadId: string, itemId: string | undefined, context: C) => {
    if (!itemId) return null;
    const item = await store.loadItem(threadId, itemId, context);
    if (item.type !== 'widget')
      throw new ChatKitRequestError(400, 'invalid_request', 'params.item_id is not a widget item');
    return item;
  };

  async function stream(request: ChatKitRequest, context: C): Promise<AsyncGenerator<ThreadStreamEvent>> {
    switch (request.type) {
      case 'threads.create': {
        const thread: ThreadMetadata = {
          id: store.generateThreadId(context),
          created_at: now(),
          status: { type: 'active' },
          metadata: {},
        };
        await store.saveThread(thread, context);
        const { input } = request.params;
        const message = input.content.length > 0 ? userMessage(thread, input, context) : null;
        if (message) await store.addThreadItem(thread.id, message, context);
        return (async function* () {
          yield { type: 'thread.created', thread: toThread(thread) } as ThreadStreamEvent;
          if (message) yield { type: 'thread.item.done', item: message } as ThreadStreamEvent;
          yield* run(hooks.respond(thread, message, context, { threadCreated: true }), thread.id, context);
        })();
      }
      case 'threads.add_user_message': {
        const thread = await store.loadThread(request.params.thread_id, context);
        if (request.params.input.content.length === 0) {
          throw new ChatKitRequestError(400, 'invalid_request', 'params.input.content must not be empty');
        }
        const message = userMessage(thread, request.params.input, context);
        await store.addThreadItem(thread.id, message, context);
        return (async function* () {
          yield { type: 'thread.item.done', item: message } as ThreadStreamEvent;
          yield* run(hooks.respond(thread, message, context, { threadCreated: false }), thread.id, context);
        })();
      }
      case 'threads.add_client_tool_output': {
        const thread = await store.loadThread(request.params.thread_id, context);
        const [last] = (await store.loadThreadItems(thread.id, undefined, 1, 'desc', context)).data;
        if (last?.type !== 'client_tool_call' || last.status !== 'pending') {
          throw new ChatKitRequestError(400, 'invalid_request', 'The thread has no pending client tool call');
        }
        await store.saveItem(thread.id, { ...last, status: 'completed', output: request.params.result }, context);
        return run(hooks.respond(thread, null, context, { threadCreated: false }), thread.id, context);
      }
      case 'threads.retry_after_item': {
        const thread = await store.loadThread(request.params.thread_id, context);
        const message = await store.loadItem(thread.id, request.params.item_id, context);
        if (message.type !== 'user_message')
          throw new ChatKitRequestError(400, 'invalid_request', 'params.item_id is not a user message');
        const newer = (await store.loadThreadItems(thread.id, message.id, 1000, 'asc', context)).data;
        for (const item of newer) await store.deleteThreadItem(thread.id, item.id, context);
        return (async function* () {
          for (const item of newer)
            if (!isHiddenItem(item)) yield { type: 'thread.item.removed', item_id: item.id } as ThreadStreamEvent;
          yield* run(hooks.respond(thread, message, context, { threadCreated: false }), thread.id, context);
        })();
      }
      case 'threads.custom_action': {
        const thread = await store.loadThread(request.params.thread_id, context);
        const itemId = request.params.item_id;
        const item = itemId ? await store.loadItem(thread.id, itemId, context) : null;
        if (item && item.type !== 'widget') {
          // As chatkit-python: an error event without stream_options, and nothing else.
          return (async function* () {
            yield {
              type: 'error',
              code: 'stream.error',
              message: 'params.item_id is not a widget item',
              allow_retry: false,
            } as ThreadStreamEvent;
          })();
        }
        return run(hooks.action(thread, request.params.action, item, context), thread.id, context);
      }
      case 'threads.add_structured_input':
        throw new ChatKitRequestError(501, 'not_implemented', 'Structured input is not supported by this server');
      default:
        throw new ChatKitRequestError(400, 'invalid_request', `${request.type} is not a streaming request`);
    }
  }

  async function json(request: ChatKitRequest, context: C): Promise<unknown> {
    switch (request.type) {
      case 'threads.get_by_id': {
        const thread = await store.loadThread(request.params.thread_id, context);
        return toThread(thread, await loadPage(thread.id, undefined, DEFAULT_PAGE_SIZE, 'asc', context));
      }
      case 'threads.list': {
        const { limit = DEFAULT_PAGE_SIZE, after, order } = request.params;
        const page = await store.loadThreads(limit, after, order, context);
        return { ...page, data: page.data.map((thread) => toThread(thread)) };
      }
      case 'items.list': {
        const { thread_id, limit = DEFAULT_PAGE_SIZE, after, order } = request.params;
        await store.loadThread(thread_id, context);
        return loadPage(thread_id, after, limit, order, context);
      }
      case 'threads.update': {
        const thread = await store.loadThread(request.params.thread_id, context);
        const updated = { ...thread, title: request.params.title };
        await store.saveThread(updated, context);
        return toThread(updated);
      }
      case 'threads.delete':
        await store.loadThread(request.params.thread_id, context);
        await store.deleteThread(request.params.thread_id, context);
        return {};
      case 'items.feedback':
        await store.loadThread(request.params.thread_id, context);
        return {};
      case 'threads.sync_custom_action': {
        if (!hooks.syncAction)
          throw new ChatKitRequestError(501, 'not_implemented', 'Synchronous actions are not supported');
        const thread = await store.loadThread(request.params.thread_id, context);
        const sender = await widgetSender(thread.id, request.params.item_id, context);
        const updated = await hooks.syncAction(thread, request.params.action, sender, context);
        return updated ? { updated_item: updated } : {};
      }
      case 'attachments.create':
      case 'attachments.delete':
        throw new ChatKitRequestError(501, 'not_implemented', 'Attachments are not supported by this server');
      case 'input.transcribe':
        throw new ChatKitRequestError(501, 'not_implemented', 'Dictation is not supported by this server');
      default:
        throw new ChatKitRequestError(400, 'invalid_request', `${request.type} is a streaming request`);
    }
  }

  return {
    async process(body, context) {
      const request = parseRequest(body);
      if (STREAMING_TYPES.has(request.type)) return { kind: 'stream', events: await stream(request, context) };
      return { kind: 'json', body: await json(request, context) };
    },
  };
}
