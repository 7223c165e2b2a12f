/**
 * Class Assist's side of ChatKit: a new thread opens with the widget for the caller's role; widget actions run
 * through the function registry as the session's member; user messages are answered by chat-replies.ts (the model's
 * agent when one is configured, else the offline intent matcher).
 */
import {
  type ChatKitServer,
  CustomStreamError,
  createChatKitServer,
  type ThreadStreamEvent,
} from '@class-assist/chatkit-server';
import type { Logger } from 'pino';
import type { TokenService } from '../auth/tokens.js';
import type { OpenAISettings } from '../config.js';
import type { Db } from '../db/pool.js';
import type { FunctionRegistry } from '../functions/registry.js';
import type { Metrics } from '../metrics/metrics.js';
import { initialUi } from '../widget/widget-state.js';
import { assistantMessage, createChatReplies } from './chat-replies.js';
import { type ChatContext, createChatKitStore } from './chatkit.store.js';
import { runWidgetAction } from './widget-actions.js';
import { isClassAssistItem, presentWidget, type RenderWidget, widgetItem, withUiChanges } from './widget-item.js';

export interface ChatKitAdapterDeps {
  db: Db;
  clock: () => Date;
  metrics?: Metrics;
}

export interface ClassAssistChatKitDeps {
  /** What the adapter itself needs: the thread store's database, the clock, the instance's metrics. */
  deps: ChatKitAdapterDeps;
  registry: FunctionRegistry;
  tokens: TokenService;
  render: RenderWidget;
  log: Logger;
  /** The model for chat answers (`config.openai`); without a key or base URL, answers are offline. */
  openai: OpenAISettings;
}

export function createClassAssistChatKit({
  deps,
  registry,
  tokens,
  render,
  log,
  openai,
}: ClassAssistChatKitDeps): ChatKitServer<ChatContext> {
  const store = createChatKitStore(deps.db);
  const stamp = () => deps.clock().toISOString();
  const assistant = (threadId: string, context: ChatContext, text: string) =>
    assistantMessage(store, deps.clock, threadId, context, text);
  const replies = createChatReplies({ deps, registry, tokens, store, log, openai });

  return createChatKitServer<ChatContext>(store, {
    async *respond(thread, message, context, { threadCreated }) {
      // A new thread opens with the widget; so does one whose widget a retry removed (it followed the first message).
      const needsWidget =
        threadCreated ||
        (message !== null &&
          !(await store.loadThreadItems(thread.id, undefined, 20, 'asc', context)).data.some(isClassAssistItem));
      if (needsWidget) {
        const base = { id: store.generateItemId('message', context), thread_id: thread.id, created_at: stamp() };
        yield { type: 'thread.item.done', item: widgetItem(base, initialUi(context.member.role)) };
      }
      if (message) yield* replies.reply(thread, message, context);
    },

    async *action(thread, action, sender, context): AsyncGenerator<ThreadStreamEvent> {
      if (!sender || !isClassAssistItem(sender)) {
        throw new CustomStreamError('Widget actions need the Class Assist widget they came from (item_id).');
      }
      const before = sender.class_assist.ui;
      const outcome = await runWidgetAction({ deps, registry, tokens }, context.member, before, action);
      yield { type: 'thread.item.replaced', item: await withUiChanges(store, sender, before, outcome.ui, context) };
      for (const text of outcome.messages)
        yield { type: 'thread.item.done', item: assistant(thread.id, context, text) };
    },

    present: async (item, context) =>
      isClassAssistItem(item) ? presentWidget(registry, render, context.member, item) : item,

    onError: (err) => log.error({ err }, 'ChatKit stream failed'),
  });
}
