/**
 * Class Assist's side of ChatKit: a new thread opens with the widget for the caller's role; widget actions run
 * through the function registry as the session's member; user messages get a short deterministic answer that points
 * at the widget's tools (model answers arrive with the study-help work).
 */
import {
  type AssistantMessageItem,
  type ChatKitServer,
  CustomStreamError,
  createChatKitServer,
  type ThreadStreamEvent,
} from '@class-assist/chatkit-server';
import type { Logger } from 'pino';
import type { TokenService } from '../auth/tokens.js';
import type { DomainDeps } from '../domain/deps.js';
import { initialUi } from '../domain/widget-state.service.js';
import type { FunctionRegistry } from '../functions/registry.js';
import { type ChatContext, createChatKitStore } from './chatkit.store.js';
import { runWidgetAction } from './widget-actions.js';
import {
  isClassAssistItem,
  presentWidget,
  type RenderWidget,
  type StoredWidgetItem,
  widgetItem,
} from './widget-item.js';

export interface ClassAssistChatKitDeps {
  deps: DomainDeps;
  registry: FunctionRegistry;
  tokens: TokenService;
  render: RenderWidget;
  log: Logger;
}

const STUDENT_HELP =
  "I'm Class Assist. Chat answers are coming soon; for now the widget above does the work: **I'm Confused** tells " +
  'your instructor the current slide is confusing, **Ask a Question** sends them a question (anonymously if you ' +
  'like), and **Notes** shows the notes of the slide.';
const INSTRUCTOR_HELP =
  "I'm Class Assist. Chat answers are coming soon; for now the widget above does the work: the heatmap shows which " +
  'slides confuse your students (**Refresh** or pick a time range), **Previous**/**Next** set the slide you are ' +
  'teaching, and **Export CSV** downloads the confusion data.';

export function createClassAssistChatKit({
  deps,
  registry,
  tokens,
  render,
  log,
}: ClassAssistChatKitDeps): ChatKitServer<ChatContext> {
  const store = createChatKitStore(deps.db);
  const stamp = () => deps.clock().toISOString();
  const assistant = (threadId: string, context: ChatContext, text: string): AssistantMessageItem => ({
    id: store.generateItemId('message', context),
    thread_id: threadId,
    created_at: stamp(),
    type: 'assistant_message',
    content: [{ type: 'output_text', text, annotations: [] }],
  });

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
      if (message) {
        const help = context.member.role === 'instructor' ? INSTRUCTOR_HELP : STUDENT_HELP;
        yield { type: 'thread.item.done', item: assistant(thread.id, context, help) };
      }
    },

    async *action(thread, action, sender, context): AsyncGenerator<ThreadStreamEvent> {
      if (!sender || !isClassAssistItem(sender)) {
        throw new CustomStreamError('Widget actions need the Class Assist widget they came from (item_id).');
      }
      const outcome = await runWidgetAction({ deps, registry, tokens }, context.member, sender.class_assist.ui, action);
      const next: StoredWidgetItem = { ...sender, class_assist: { ui: outcome.ui } };
      yield { type: 'thread.item.replaced', item: next };
      for (const text of outcome.messages)
        yield { type: 'thread.item.done', item: assistant(thread.id, context, text) };
    },

    present: async (item, context) =>
      isClassAssistItem(item) ? presentWidget(deps, render, context.member, item) : item,

    onError: (err) => log.error({ err }, 'ChatKit stream failed'),
  });
}
